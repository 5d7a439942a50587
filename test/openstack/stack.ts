/**
 * The rendered stack as a kubelet would see it: objects by kind and name, each workload's pod
 * spec, its volumes materialised from the rendered Secrets and ConfigMaps (with Kubernetes' own
 * `..data` layout), its environment resolved, and the Service names a pod resolves.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderReference } from '../../src/render/pipeline.js';
import type { KubeObject } from '../../src/model/types.js';

export interface Obj extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: Record<string, unknown>;
}

interface KeyItem {
  key: string;
  path: string;
  mode?: number;
}
interface SourceRef {
  name?: string;
  secretName?: string;
  items?: KeyItem[];
  defaultMode?: number;
  optional?: boolean;
}
export interface Volume {
  name: string;
  secret?: SourceRef;
  configMap?: SourceRef;
  projected?: { sources: { secret?: SourceRef; configMap?: SourceRef }[]; defaultMode?: number };
  emptyDir?: object;
  hostPath?: { path: string };
  persistentVolumeClaim?: { claimName: string };
}
export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}
export interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}

export interface Unit {
  package: string;
  object: Obj;
  pod: PodSpec;
  /** Kind/name of the objects it waits for (stackanetes.io/depends-on). */
  dependsOn: string[];
}

export const NODE_NAME = 'node-1';
export const NODE_IP = '127.0.0.1';
export const INGRESS_IP = '127.0.0.2';
/** The Kubernetes API stand-in (kube-api.mjs): Secrets that Jobs create at run time. */
export const API_IP = '127.0.0.3';
export const API_PORT = 6443;

export class Stack {
  readonly objects: Obj[];
  readonly packages: { name: string; objects: Obj[] }[];

  /** Where the Kubernetes API stand-in keeps the Secrets that Jobs created. */
  apiDir = '';

  private constructor(packages: { name: string; objects: Obj[] }[]) {
    this.packages = packages;
    this.objects = packages.flatMap((p) => p.objects);
  }

  static async render(root: string, parameters: string): Promise<Stack> {
    const release = await renderReference({
      reference: join(root, 'packages', 'stackanetes'),
      namespace: 'openstack',
      variableFiles: [parameters],
      sets: [],
      cwd: root,
    });
    return new Stack(
      release.packages.map((p) => ({ name: p.name, objects: p.objects.map((o) => o.object as Obj) })),
    );
  }

  find(kind: string, name: string): Obj | undefined {
    const rendered = this.objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (rendered || kind !== 'Secret' || !this.apiDir) return rendered;
    const file = join(this.apiDir, `${name}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Obj) : undefined;
  }

  get(kind: string, name: string): Obj {
    const o = this.find(kind, name);
    if (!o) throw new Error(`the rendered stack has no ${kind}/${name}`);
    return o;
  }

  /** Decoded keys of a Secret or ConfigMap. */
  keys(kind: 'Secret' | 'ConfigMap', name: string): Record<string, string> {
    const o = this.get(kind, name);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.data ?? {}))
      out[k] = kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v;
    for (const [k, v] of Object.entries(o.stringData ?? {})) out[k] = v;
    return out;
  }

  /** Jobs and workloads, in package order, as a deploy applies them. */
  units(): Unit[] {
    const out: Unit[] = [];
    for (const p of this.packages) {
      for (const object of p.objects) {
        if (!['Job', 'Deployment', 'StatefulSet', 'DaemonSet'].includes(object.kind)) continue;
        const pod = (object.spec as { template: { spec: PodSpec } }).template.spec;
        const dep = object.metadata.annotations?.['stackanetes.io/depends-on'] ?? '';
        out.push({
          package: p.name,
          object,
          pod,
          // `ns/package:Kind/name` names an object of another package of the stack
          dependsOn: dep
            .split(',')
            .map((s) => s.trim().slice(s.trim().indexOf(':') + 1))
            .filter(Boolean),
        });
      }
    }
    return out;
  }

  /**
   * The names a pod resolves, each on its own loopback address: every Service (short and
   * cluster names), every StatefulSet member under its headless Service, and every Ingress host
   * on the ingress stand-in's address.
   */
  hosts(): { text: string; addresses: Map<string, string> } {
    const addresses = new Map<string, string>();
    let next = 10;
    const lines = [
      '127.0.0.1 localhost',
      `${NODE_IP} ${NODE_NAME}`,
      `${API_IP} kubernetes.default.svc kubernetes.default kubernetes`,
    ];
    const add = (names: string[]): void => {
      const ip = `127.0.${Math.floor(next / 250)}.${(next % 250) + 3}`;
      next++;
      for (const n of names) addresses.set(n, ip);
      lines.push(`${ip} ${names.join(' ')}`);
    };
    const fqdn = (n: string): string[] => [
      n,
      `${n}.openstack`,
      `${n}.openstack.svc`,
      `${n}.openstack.svc.cluster.local`,
    ];
    for (const s of this.objects.filter((o) => o.kind === 'Service')) add(fqdn(s.metadata.name));
    for (const s of this.objects.filter((o) => o.kind === 'StatefulSet')) {
      const spec = s.spec as { serviceName: string; replicas?: number };
      for (let i = 0; i < (spec.replicas ?? 1); i++) add(fqdn(`${s.metadata.name}-${i}.${spec.serviceName}`));
    }
    const hosts = this.ingressRoutes().map((r) => r.host);
    if (hosts.length) {
      lines.push(`${INGRESS_IP} ${hosts.join(' ')}`);
      for (const h of hosts) addresses.set(h, INGRESS_IP);
    }
    return { text: `${lines.join('\n')}\n`, addresses };
  }

  ingressRoutes(): { host: string; service: string; port: number }[] {
    const out: { host: string; service: string; port: number }[] = [];
    for (const ing of this.objects.filter((o) => o.kind === 'Ingress')) {
      const rules = (
        ing.spec as {
          rules: {
            host: string;
            http: { paths: { backend: { service: { name: string; port: { number: number } } } }[] };
          }[];
        }
      ).rules;
      for (const r of rules) {
        const b = r.http.paths[0]!.backend.service;
        out.push({ host: r.host, service: b.name, port: b.port.number });
      }
    }
    return out;
  }

  /** Writes a Secret/ConfigMap volume as the kubelet does: files under `..<ts>/`, `..data` → it, and each key → `..data/key`. */
  materialise(vol: Volume, dir: string): void {
    const ts = '..2026_01_01_00_00_00.000000000';
    mkdirSync(join(dir, ts), { recursive: true });
    const files: { path: string; content: string; mode: number }[] = [];
    const addSource = (kind: 'Secret' | 'ConfigMap', ref: SourceRef, defaultMode: number): void => {
      const name = (kind === 'Secret' ? (ref.secretName ?? ref.name) : ref.name)!;
      if (!this.find(kind, name)) {
        if (ref.optional) return;
        throw new Error(`volume ${vol.name}: ${kind}/${name} is not rendered`);
      }
      const keys = this.keys(kind, name);
      const items: KeyItem[] = ref.items ?? Object.keys(keys).map((k) => ({ key: k, path: k }));
      for (const item of items) {
        if (!(item.key in keys))
          throw new Error(`volume ${vol.name}: ${kind}/${name} has no key ${item.key}`);
        files.push({
          path: item.path,
          content: keys[item.key]!,
          mode: item.mode ?? ref.defaultMode ?? defaultMode,
        });
      }
    };
    if (vol.secret) addSource('Secret', vol.secret, 0o644);
    else if (vol.configMap) addSource('ConfigMap', vol.configMap, 0o644);
    else if (vol.projected)
      for (const s of vol.projected.sources) {
        if (s.secret) addSource('Secret', s.secret, vol.projected.defaultMode ?? 0o644);
        if (s.configMap) addSource('ConfigMap', s.configMap, vol.projected.defaultMode ?? 0o644);
      }
    for (const f of files) {
      const target = join(dir, ts, f.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content);
      chmodSync(target, f.mode);
      const top = f.path.split('/')[0]!;
      if (!existsSync(join(dir, top))) symlinkSync(`..data/${top}`, join(dir, top));
    }
    if (!existsSync(join(dir, '..data'))) symlinkSync(ts, join(dir, '..data'));
  }
}

/** Expands Kubernetes' `$(VAR)` references in a command, argument or env value. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string) => env[name] ?? all);
}
