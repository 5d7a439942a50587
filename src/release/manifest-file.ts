/**
 * Deploying an already rendered manifest (`stackanetes generate … > all.yaml`, or any file of
 * Kubernetes objects): objects are grouped into packages by their `stackanetes.io/package` label,
 * in the order they first appear, so waves, prune and revisions work as for a package reference.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadYamlDocuments, YamlTooLarge } from '../package/yaml-limits.js';
import { InputError, describeCause } from '../errors.js';
import { isPlainObject } from '../kube/objects.js';
import { LABEL_PACKAGE, LABEL_PART_OF } from '../apply/ownership.js';
import type { KubeObject } from '../model/types.js';
import type { DesiredRelease } from './desired.js';
import type { ReleaseObject, ReleasePackage } from './types.js';

/** True for references that name a manifest file rather than a package. */
export function isManifestFile(reference: string): boolean {
  return /\.(ya?ml|json)$/i.test(reference);
}

export async function loadManifestFile(
  path: string,
  namespace: string,
  release?: string,
): Promise<DesiredRelease> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read manifest ${path}: ${describeCause(err)}`, { cause: err });
  }
  // js-yaml with the core schema: several times faster than `yaml` on a whole stack, and it
  // reads `yes`/`on` as strings, as Kubernetes (YAML 1.2) does.
  let docs: unknown[];
  try {
    docs = loadYamlDocuments(text, path);
  } catch (err) {
    if (err instanceof YamlTooLarge) throw err;
    throw new InputError(`${path} is not valid YAML: ${describeCause(err).split('\n')[0]}`, { cause: err });
  }
  const objects: KubeObject[] = [];
  for (const [index, value] of docs.entries()) {
    if (value === null || value === undefined) continue;
    if (isPlainObject(value) && value.kind === 'List' && Array.isArray(value.items)) {
      objects.push(...(value.items as KubeObject[]));
      continue;
    }
    if (
      !isPlainObject(value) ||
      typeof value.apiVersion !== 'string' ||
      typeof value.kind !== 'string' ||
      !isPlainObject(value.metadata) ||
      typeof value.metadata.name !== 'string'
    ) {
      throw new InputError(
        `${path}: document ${index + 1} is not a Kubernetes object (needs apiVersion, kind and metadata.name)`,
      );
    }
    objects.push(value as KubeObject);
  }
  if (objects.length === 0) throw new InputError(`${path} contains no Kubernetes objects`);
  const fromLabels = [
    ...new Set(objects.map((o) => o.metadata.labels?.[LABEL_PART_OF]).filter((v): v is string => !!v)),
  ];
  const name =
    release ??
    (fromLabels.length === 1 ? (fromLabels[0] as string) : basename(path).replace(/\.(ya?ml|json)$/i, ''));
  const packages: ReleasePackage[] = [];
  const entries: ReleaseObject[] = [];
  for (const object of objects) {
    const ns = object.metadata.namespace;
    if (ns && ns !== namespace) {
      // As kubectl: a file written for one namespace is not silently deployed into another.
      throw new InputError(
        `${path}: ${object.kind} ${object.metadata.name} is in namespace ${ns}, not ${namespace}`,
        { hint: `pass --namespace ${ns}, or render the file again for ${namespace}` },
      );
    }
    // `generate` writes the package name as an annotation; the label spells `ns/name` as
    // `ns.name` (no slash in label values, and package names have no dots).
    const annotated = object.metadata.annotations?.[LABEL_PACKAGE];
    const label = object.metadata.labels?.[LABEL_PACKAGE];
    const pkg = annotated ?? (label ? label.replace('.', '/') : name);
    if (!packages.some((p) => p.name === pkg))
      packages.push({ name: pkg, version: '-', origin: `file:${path}` });
    const labels = {
      ...(object.metadata.labels ?? {}),
      [LABEL_PART_OF]: name,
      'app.kubernetes.io/managed-by': 'stackanetes',
    };
    entries.push({
      package: pkg,
      version: '-',
      object: { ...object, metadata: { ...object.metadata, labels } },
    });
  }
  return {
    release: name,
    namespace,
    root: { name, version: '-' },
    packages,
    parameters: {},
    objects: entries,
    description: `deploy ${basename(path)}`,
  };
}
