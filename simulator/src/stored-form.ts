/**
 * The form a real server stores an object in, which is not the form it was sent in: the body is
 * decoded into Go types and encoded again, so quantities come back canonical (`0.5` → `500m`),
 * nulls and the empty lists and maps of `omitempty` fields vanish (`env: []`, `annotations: {}`),
 * and so do the zero values of non-pointer `omitempty` scalars (`hostPort: 0`, `readOnly: false`)
 * and fields the types do not declare.
 * Custom resources lose the fields their structural schema does not declare (pruning).
 */
import { pruneUnknown } from './crd-rules.js';
import type { Json, JsonObject } from './json.js';
import { isObject } from './json.js';
import type { Definition, FieldType, SchemaSet } from './k8s-schema.js';
import { schemas } from './k8s-schema.js';
import { canonicalQuantity } from './quantity-canonical.js';
import type { TypeRef } from './validate.js';

/**
 * Scalars that are plain (non-pointer) Go fields tagged `omitempty`, by Go struct: a zero value
 * there cannot survive the round trip. Pointer fields (replicas, defaultMode, optional, the
 * security context's booleans, ...) keep their zero values and are not listed.
 */
const zeroDropped: Record<string, string[]> = {
  Container: [
    'workingDir',
    'stdin',
    'stdinOnce',
    'tty',
    'terminationMessagePath',
    'terminationMessagePolicy',
    'imagePullPolicy',
  ],
  EphemeralContainer: ['workingDir', 'stdin', 'stdinOnce', 'tty'],
  ContainerPort: ['hostPort', 'hostIP', 'name', 'protocol'],
  VolumeMount: ['readOnly', 'subPath', 'subPathExpr'],
  EnvVar: ['value'],
  PodSpec: [
    'hostNetwork',
    'hostPID',
    'hostIPC',
    'nodeName',
    'serviceAccountName',
    'serviceAccount',
    'hostname',
    'subdomain',
    'priorityClassName',
    'schedulerName',
    'restartPolicy',
    'dnsPolicy',
  ],
  Probe: ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'],
  HTTPGetAction: ['path', 'host', 'scheme'],
  DeploymentSpec: ['minReadySeconds', 'paused'],
  StatefulSetSpec: ['minReadySeconds', 'serviceName', 'podManagementPolicy'],
  DaemonSetSpec: ['minReadySeconds'],
  ServiceSpec: [
    'externalName',
    'loadBalancerIP',
    'publishNotReadyAddresses',
    'healthCheckNodePort',
    'type',
    'sessionAffinity',
  ],
  ServicePort: ['name', 'nodePort', 'protocol'],
  ObjectMeta: ['generateName'],
  EmptyDirVolumeSource: ['medium'],
  PersistentVolumeClaimVolumeSource: ['readOnly'],
  Secret: ['type'],
  IngressRule: ['host'],
  HTTPIngressPath: ['path'],
  KeyToPath: [],
  ConfigMapKeySelector: [],
};

/** Lists that are not `omitempty` (an empty one is stored as such). */
const keptEmpty = new Set(['PodSpec.containers', 'Role.rules', 'ClusterRole.rules']);

function isZero(v: Json): boolean {
  return v === false || v === 0 || v === '';
}

class Normalizer {
  constructor(private readonly set: SchemaSet) {}

  value(v: Json, t: FieldType): Json {
    switch (t.kind) {
      case 'array':
        return Array.isArray(v) ? v.map((x) => this.value(x, t.items)) : v;
      case 'map': {
        if (!isObject(v)) return v;
        const out: JsonObject = {};
        for (const [k, x] of Object.entries(v)) out[k] = this.value(x, t.values);
        return out;
      }
      case 'ref': {
        const d = this.set.get(t.name);
        if (!d) return v;
        if (d.scalar === 'quantity' && (typeof v === 'string' || typeof v === 'number'))
          return canonicalQuantity(v);
        if (d.scalar || !isObject(v)) return v;
        return this.object(v, d);
      }
      default:
        return v;
    }
  }

  object(v: JsonObject, d: Definition): JsonObject {
    const props = d.properties ?? {};
    const required = new Set(d.required ?? []);
    const zero = new Set(zeroDropped[d.goName] ?? []);
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      const field = props[k];
      // The Go types have no place for an unknown field: decoding drops it.
      if (!field) continue;
      if (x === null) continue;
      const norm = this.value(x, field.type);
      const keepEmpty = required.has(k) || keptEmpty.has(`${d.goName}.${k}`);
      if (!keepEmpty && Array.isArray(norm) && norm.length === 0) continue;
      if (!keepEmpty && field.type.kind === 'map' && isObject(norm) && Object.keys(norm).length === 0)
        continue;
      if (zero.has(k) && isZero(norm)) continue;
      out[k] = norm;
    }
    return out;
  }
}

/** The object as the server would store it (before defaulting). */
export function storedForm(type: TypeRef, obj: JsonObject): JsonObject {
  if (type.crdName) {
    if (!type.schema) return obj;
    return pruneUnknown(obj, type.schema, '', []) as JsonObject;
  }
  const set = schemas();
  const defName = set.forKind(type.group, type.version, type.kind);
  const d = defName ? set.get(defName) : undefined;
  if (!d) return obj;
  return new Normalizer(set).object(obj, d);
}
