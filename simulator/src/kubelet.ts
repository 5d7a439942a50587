/**
 * The kubelet stand-in's start checks: what would keep a scheduled Pod's containers from starting
 * on a real node, in the kubelet's own words. Volumes first (a missing ConfigMap/Secret or key
 * leaves the pod ContainerCreating with FailedMount), then per container the image reference
 * (InvalidImageName), the environment (CreateContainerConfigError) and the image start contracts
 * (CrashLoopBackOff).
 */
import type { ImageContracts, FileLookup } from './image-contracts.js';
import type { Json, JsonObject, KubeObject } from './json.js';
import { isObject, str } from './json.js';

/** Key → content of a ConfigMap or (decoded) Secret, or undefined when it does not exist. */
export interface ConfigSource {
  configMap(namespace: string, name: string): Map<string, string> | undefined;
  secret(namespace: string, name: string): Map<string, string> | undefined;
}

/** Why one container cannot start. */
export interface ContainerProblem {
  reason: 'InvalidImageName' | 'CreateContainerConfigError' | 'CrashLoopBackOff';
  message: string;
}

export interface StartProblems {
  /** A FailedMount message (the whole pod waits in ContainerCreating). */
  mount?: string;
  /** Per container name (init containers included). */
  containers: Map<string, ContainerProblem>;
}

const objs = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);
const stringList = (v: Json | undefined): string[] | undefined =>
  Array.isArray(v) ? v.map((x) => String(x)) : undefined;

// The distribution reference grammar (docker/distribution reference.go), anchored.
const component = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const referencePattern = new RegExp(
  `^(?:${domain}/)?${component}(?:/${component})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

/** Whether the container runtime can parse an image reference. */
export function validImageReference(image: string): boolean {
  if (image.length === 0 || image.length > 255 + 128) return false;
  return referencePattern.test(image);
}

function volumeFiles(
  volume: JsonObject,
  namespace: string,
  source: ConfigSource,
): { files: Map<string, { content: string; from: string }> } | { error: string } | { opaque: true } {
  const files = new Map<string, { content: string; from: string }>();
  const add = (kind: 'configmap' | 'secret', ref: JsonObject, nameKey: string): string | undefined => {
    const name = str(ref, nameKey) ?? '';
    const data = kind === 'configmap' ? source.configMap(namespace, name) : source.secret(namespace, name);
    const label = kind === 'configmap' ? 'ConfigMap' : 'Secret';
    if (!data) return ref.optional === true ? undefined : `${kind} "${name}" not found`;
    const items = objs(ref.items);
    if (items.length === 0) {
      for (const [k, v] of data) files.set(k, { content: v, from: `${label} ${name} key ${k}` });
      return undefined;
    }
    for (const item of items) {
      const key = str(item, 'key') ?? '';
      const value = data.get(key);
      if (value === undefined) {
        if (ref.optional === true) continue;
        return kind === 'configmap'
          ? `configmap references non-existent config key: ${key}`
          : `references non-existent secret key: ${key}`;
      }
      files.set(str(item, 'path') ?? key, { content: value, from: `${label} ${name} key ${key}` });
    }
    return undefined;
  };
  let error: string | undefined;
  if (isObject(volume.configMap)) error = add('configmap', volume.configMap, 'name');
  else if (isObject(volume.secret)) error = add('secret', volume.secret, 'secretName');
  else if (isObject(volume.projected)) {
    for (const s of objs(volume.projected.sources)) {
      if (isObject(s.configMap)) error = add('configmap', s.configMap, 'name');
      else if (isObject(s.secret)) error = add('secret', s.secret, 'name');
      if (error) break;
    }
  } else return { opaque: true };
  return error ? { error } : { files };
}

/** What a container sees at a path through its volumeMounts. */
export function lookupFile(
  pod: KubeObject,
  container: JsonObject,
  path: string,
  source: ConfigSource,
): FileLookup {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const namespace = str(pod.metadata, 'namespace') ?? '';
  const mounts = objs(container.volumeMounts)
    .map((m) => ({ m, at: (str(m, 'mountPath') ?? '').replace(/\/+$/, '') }))
    .filter(({ at }) => path === at || path.startsWith(`${at}/`))
    .sort((a, b) => b.at.length - a.at.length);
  const best = mounts[0];
  if (!best) return { found: false, why: `no volumeMount covers ${path}` };
  const volumeName = str(best.m, 'name') ?? '';
  const volume = objs(spec.volumes).find((v) => v.name === volumeName);
  if (!volume) return { found: false, why: `volumeMount ${best.at} names no volume "${volumeName}"` };
  const files = volumeFiles(volume, namespace, source);
  if ('opaque' in files) return { found: true, content: undefined, from: `volume ${volumeName}` };
  if ('error' in files) return { found: false, why: `volume ${volumeName}: ${files.error}` };
  const subPath = str(best.m, 'subPath');
  const rel = [subPath ?? '', path.slice(best.at.length).replace(/^\/+/, '')]
    .filter((s) => s !== '')
    .join('/');
  if (rel === '') return { found: true, content: undefined, from: `volume ${volumeName}` };
  const file = files.files.get(rel);
  if (file) return { found: true, content: file.content, from: file.from };
  if ([...files.files.keys()].some((k) => k.startsWith(`${rel}/`)))
    return { found: true, content: undefined, from: `volume ${volumeName}` };
  const have = [...files.files.keys()].sort();
  return {
    found: false,
    why: `volume ${volumeName} mounted at ${best.at} has no ${rel}${have.length > 0 ? ` (it has ${have.join(', ')})` : ' (it is empty)'}`,
  };
}

function envProblem(container: JsonObject, namespace: string, source: ConfigSource): string | undefined {
  for (const e of objs(container.env)) {
    const from = isObject(e.valueFrom) ? e.valueFrom : undefined;
    if (!from) continue;
    for (const [field, kind] of [
      ['configMapKeyRef', 'ConfigMap'],
      ['secretKeyRef', 'Secret'],
    ] as const) {
      const ref = isObject(from[field]) ? from[field] : undefined;
      if (!ref || ref.optional === true) continue;
      const name = str(ref, 'name') ?? '';
      const data = kind === 'ConfigMap' ? source.configMap(namespace, name) : source.secret(namespace, name);
      if (!data) return `${kind.toLowerCase()} "${name}" not found`;
      const key = str(ref, 'key') ?? '';
      if (!data.has(key)) return `couldn't find key ${key} in ${kind} ${namespace}/${name}`;
    }
  }
  for (const e of objs(container.envFrom)) {
    for (const [field, kind] of [
      ['configMapRef', 'configmap'],
      ['secretRef', 'secret'],
    ] as const) {
      const ref = isObject(e[field]) ? e[field] : undefined;
      if (!ref || ref.optional === true) continue;
      const name = str(ref, 'name') ?? '';
      const data = kind === 'configmap' ? source.configMap(namespace, name) : source.secret(namespace, name);
      if (!data) return `${kind} "${name}" not found`;
    }
  }
  return undefined;
}

/** Everything that keeps this pod's containers from starting now (empty when they can). */
export function startProblems(
  pod: KubeObject,
  source: ConfigSource,
  contracts: ImageContracts,
): StartProblems {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const namespace = str(pod.metadata, 'namespace') ?? '';
  const podName = str(pod.metadata, 'name') ?? '';
  const uid = str(pod.metadata, 'uid') ?? '';
  const problems: StartProblems = { containers: new Map() };
  for (const v of objs(spec.volumes)) {
    const files = volumeFiles(v, namespace, source);
    if ('error' in files) {
      problems.mount = `MountVolume.SetUp failed for volume "${str(v, 'name') ?? ''}" : ${files.error}`;
      return problems;
    }
  }
  for (const c of [...objs(spec.initContainers), ...objs(spec.containers)]) {
    const name = str(c, 'name') ?? '';
    const image = str(c, 'image') ?? '';
    if (!validImageReference(image)) {
      problems.containers.set(name, {
        reason: 'InvalidImageName',
        message: `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`,
      });
      continue;
    }
    const env = envProblem(c, namespace, source);
    if (env) {
      problems.containers.set(name, { reason: 'CreateContainerConfigError', message: env });
      continue;
    }
    const unmet = contracts.check({
      image,
      container: name,
      pod: podName,
      namespace,
      command: stringList(c.command),
      args: stringList(c.args),
      file: (path) => lookupFile(pod, c, path, source),
    });
    if (unmet)
      problems.containers.set(name, {
        reason: 'CrashLoopBackOff',
        message: `back-off 10s restarting failed container=${name} pod=${podName}_${namespace}(${uid}): ${unmet}`,
      });
  }
  return problems;
}
