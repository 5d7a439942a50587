/**
 * Protobuf request bodies, as kubectl sends the objects it builds itself (`create namespace`,
 * `create configmap|secret|serviceaccount|deployment|job`, `run`): kubectl 1.32 encodes them as
 * `application/vnd.kubernetes.protobuf` and does not retry with JSON when a server answers 415.
 * The generic wire format is read with per-message field tables (the field numbers of the
 * upstream generated.proto for the messages those commands fill in) and turned into the JSON the
 * same request would carry. A field these tables do not know, set to a non-empty value, is
 * refused with 415 rather than silently dropped.
 */
import { ApiError } from './api-error.js';
import type { Json, JsonObject } from './json.js';
import { isObject } from './json.js';

/** The media type kubectl sends protobuf bodies as. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The 4-byte prefix of every Kubernetes protobuf body (`k8s\0`), before a runtime.Unknown envelope. */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field {
  number: number;
  /** A varint's value, or undefined for a length-delimited field. */
  varint?: bigint;
  /** A length-delimited field's bytes. */
  bytes?: Buffer;
}

function unsupported(detail: string): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${detail}) - the simulator reads protobuf only for the kinds kubectl builds itself; accepted media types include: application/json, application/yaml`,
  );
}

function readVarint(buf: Buffer, at: { pos: number }): bigint {
  let value = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (at.pos >= buf.length) throw unsupported('truncated varint');
    const byte = buf[at.pos++] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return value;
  }
  throw unsupported('varint too long');
}

/** The fields of one message, in order; only the wire types Kubernetes messages use here. */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  const at = { pos: 0 };
  while (at.pos < buf.length) {
    const key = readVarint(buf, at);
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (wireType === 0) out.push({ number, varint: readVarint(buf, at) });
    else if (wireType === 1) {
      at.pos += 8;
      out.push({ number, varint: 0n });
    } else if (wireType === 2) {
      const length = Number(readVarint(buf, at));
      if (at.pos + length > buf.length) throw unsupported('truncated field');
      out.push({ number, bytes: buf.subarray(at.pos, at.pos + length) });
      at.pos += length;
    } else throw unsupported(`wire type ${wireType}`);
  }
  return out;
}

const isEmpty = (f: Field): boolean => (f.bytes ? f.bytes.length === 0 : f.varint === 0n);
const text = (f: Field): string => (f.bytes ?? Buffer.alloc(0)).toString('utf8');

/**
 * A field's type: scalars (`string`, `int32`, `int64`, `bool`, `bytes`; a trailing `*` marks a
 * Go pointer, whose zero value is kept), `[]string`, maps (`map:string`, `map:bytes`,
 * `map:Quantity`), a message name, or `[]Message`; `ignore` for what the server sets itself.
 */
type FieldSpec = [json: string, type: string];
type Table = Record<number, FieldSpec>;

const messages: Record<string, Table> = {
  ObjectMeta: {
    1: ['name', 'string'],
    2: ['generateName', 'string'],
    3: ['namespace', 'string'],
    4: ['selfLink', 'ignore'],
    5: ['uid', 'string'],
    6: ['resourceVersion', 'string'],
    7: ['generation', 'int64'],
    8: ['creationTimestamp', 'Time'],
    11: ['labels', 'map:string'],
    12: ['annotations', 'map:string'],
    14: ['finalizers', '[]string'],
  },
  Time: { 1: ['seconds', 'int64'], 2: ['nanos', 'int32'] },
  Quantity: { 1: ['string', 'string'] },
  IntOrString: { 1: ['type', 'int64'], 2: ['intVal', 'int32'], 3: ['strVal', 'string'] },
  LocalObjectReference: { 1: ['name', 'string'] },
  Namespace: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'NamespaceSpec'], 3: ['status', 'ignore'] },
  NamespaceSpec: { 1: ['finalizers', '[]string'] },
  ConfigMap: {
    1: ['metadata', 'ObjectMeta'],
    2: ['data', 'map:string'],
    3: ['binaryData', 'map:bytes'],
    4: ['immutable', 'bool*'],
  },
  Secret: {
    1: ['metadata', 'ObjectMeta'],
    2: ['data', 'map:bytes'],
    3: ['type', 'string'],
    4: ['stringData', 'map:string'],
    5: ['immutable', 'bool*'],
  },
  ServiceAccount: {
    1: ['metadata', 'ObjectMeta'],
    3: ['imagePullSecrets', '[]LocalObjectReference'],
    4: ['automountServiceAccountToken', 'bool*'],
  },
  Service: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'ServiceSpec'], 3: ['status', 'ignore'] },
  ServiceSpec: {
    1: ['ports', '[]ServicePort'],
    2: ['selector', 'map:string'],
    3: ['clusterIP', 'string'],
    4: ['type', 'string'],
    5: ['externalIPs', '[]string'],
    7: ['sessionAffinity', 'string'],
    8: ['loadBalancerIP', 'string'],
    9: ['loadBalancerSourceRanges', '[]string'],
    10: ['externalName', 'string'],
    11: ['externalTrafficPolicy', 'string'],
    12: ['healthCheckNodePort', 'int32'],
    13: ['publishNotReadyAddresses', 'bool'],
  },
  ServicePort: {
    1: ['name', 'string'],
    2: ['protocol', 'string'],
    3: ['port', 'int32'],
    4: ['targetPort', 'IntOrString'],
    5: ['nodePort', 'int32'],
  },
  Deployment: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'DeploymentSpec'], 3: ['status', 'ignore'] },
  DeploymentSpec: {
    1: ['replicas', 'int32*'],
    2: ['selector', 'LabelSelector'],
    3: ['template', 'PodTemplateSpec'],
    4: ['strategy', 'DeploymentStrategy'],
    5: ['minReadySeconds', 'int32'],
    6: ['revisionHistoryLimit', 'int32*'],
    7: ['paused', 'bool'],
    9: ['progressDeadlineSeconds', 'int32*'],
  },
  DeploymentStrategy: { 1: ['type', 'string'], 2: ['rollingUpdate', 'RollingUpdateDeployment'] },
  RollingUpdateDeployment: { 1: ['maxUnavailable', 'IntOrString'], 2: ['maxSurge', 'IntOrString'] },
  LabelSelector: { 1: ['matchLabels', 'map:string'], 2: ['matchExpressions', '[]LabelSelectorRequirement'] },
  LabelSelectorRequirement: { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', '[]string'] },
  Job: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'JobSpec'], 3: ['status', 'ignore'] },
  JobSpec: {
    1: ['parallelism', 'int32*'],
    2: ['completions', 'int32*'],
    3: ['activeDeadlineSeconds', 'int64*'],
    4: ['selector', 'LabelSelector'],
    5: ['manualSelector', 'bool*'],
    6: ['template', 'PodTemplateSpec'],
    7: ['backoffLimit', 'int32*'],
    8: ['ttlSecondsAfterFinished', 'int32*'],
    10: ['suspend', 'bool*'],
  },
  PodTemplateSpec: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'PodSpec'] },
  Pod: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'PodSpec'], 3: ['status', 'ignore'] },
  PodSpec: {
    2: ['containers', '[]Container'],
    3: ['restartPolicy', 'string'],
    4: ['terminationGracePeriodSeconds', 'int64*'],
    5: ['activeDeadlineSeconds', 'int64*'],
    6: ['dnsPolicy', 'string'],
    7: ['nodeSelector', 'map:string'],
    8: ['serviceAccountName', 'string'],
    9: ['serviceAccount', 'string'],
    10: ['nodeName', 'string'],
    11: ['hostNetwork', 'bool'],
    12: ['hostPID', 'bool'],
    13: ['hostIPC', 'bool'],
    15: ['imagePullSecrets', '[]LocalObjectReference'],
    16: ['hostname', 'string'],
    17: ['subdomain', 'string'],
    19: ['schedulerName', 'string'],
    20: ['initContainers', '[]Container'],
    21: ['automountServiceAccountToken', 'bool*'],
    24: ['priorityClassName', 'string'],
    30: ['enableServiceLinks', 'bool*'],
  },
  Container: {
    1: ['name', 'string'],
    2: ['image', 'string'],
    3: ['command', '[]string'],
    4: ['args', '[]string'],
    5: ['workingDir', 'string'],
    6: ['ports', '[]ContainerPort'],
    7: ['env', '[]EnvVar'],
    8: ['resources', 'ResourceRequirements'],
    13: ['terminationMessagePath', 'string'],
    14: ['imagePullPolicy', 'string'],
    16: ['stdin', 'bool'],
    17: ['stdinOnce', 'bool'],
    18: ['tty', 'bool'],
    20: ['terminationMessagePolicy', 'string'],
  },
  ContainerPort: {
    1: ['name', 'string'],
    2: ['hostPort', 'int32'],
    3: ['containerPort', 'int32'],
    4: ['protocol', 'string'],
    5: ['hostIP', 'string'],
  },
  EnvVar: { 1: ['name', 'string'], 2: ['value', 'string'] },
  ResourceRequirements: { 1: ['limits', 'map:Quantity'], 2: ['requests', 'map:Quantity'] },
};

/** Top-level kinds by apiVersion and kind. */
const kinds: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Pod': 'Pod',
  'v1/Service': 'Service',
  'apps/v1/Deployment': 'Deployment',
  'batch/v1/Job': 'Job',
};

function scalar(f: Field, type: string): Json {
  const base = type.replace(/\*$/, '');
  switch (base) {
    case 'string':
      return text(f);
    case 'bytes':
      return (f.bytes ?? Buffer.alloc(0)).toString('base64');
    case 'bool':
      return f.varint !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, f.varint ?? 0n));
    default:
      return Number(BigInt.asIntN(64, f.varint ?? 0n));
  }
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

function mapValue(f: Field, type: string, where: string): [string, Json] {
  let key = '';
  let value: Json = type === 'Quantity' ? '0' : '';
  for (const e of fields(f.bytes ?? Buffer.alloc(0))) {
    if (e.number === 1) key = text(e);
    else if (e.number === 2)
      value =
        type === 'Quantity'
          ? String(message(e.bytes ?? Buffer.alloc(0), 'Quantity', where).string ?? '0')
          : scalar(e, type);
  }
  return [key, value];
}

function special(name: string, obj: JsonObject): Json {
  if (name === 'Time') {
    if (typeof obj.seconds !== 'number') return obj;
    return new Date(obj.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (name === 'IntOrString') return obj.type === 1 ? String(obj.strVal ?? '') : Number(obj.intVal ?? 0);
  return obj;
}

/** Decodes one message by its table into JSON, dropping the zero values Go would omit. */
function message(buf: Buffer, name: string, where: string): JsonObject {
  const table = messages[name]!;
  const out: JsonObject = {};
  const maps = new Map<string, JsonObject>();
  const lists = new Map<string, Json[]>();
  for (const f of fields(buf)) {
    const spec = table[f.number];
    if (!spec) {
      if (!isEmpty(f)) throw unsupported(`${where} field ${f.number} is not supported`);
      continue;
    }
    const [json, type] = spec;
    const at = `${where}.${json}`;
    if (type === 'ignore') continue;
    if (type.startsWith('map:')) {
      const [k, v] = mapValue(f, type.slice(4), at);
      const m = maps.get(json) ?? {};
      m[k] = v;
      maps.set(json, m);
    } else if (type.startsWith('[]')) {
      const item = type.slice(2);
      const list = lists.get(json) ?? [];
      list.push(
        messages[item] ? special(item, message(f.bytes ?? Buffer.alloc(0), item, at)) : scalar(f, item),
      );
      lists.set(json, list);
    } else if (messages[type]) {
      const v = special(type, message(f.bytes ?? Buffer.alloc(0), type, at));
      if (type === 'Time' && isObject(v)) continue;
      out[json] = v;
    } else {
      const v = scalar(f, type);
      if (isZero(v) && !type.endsWith('*')) continue;
      out[json] = v;
    }
  }
  for (const [k, v] of maps) out[k] = v;
  for (const [k, v] of lists) out[k] = v;
  if (name === 'Time' && out.seconds === undefined) return {};
  return out;
}

/**
 * Decodes a protobuf body (the `k8s\0` prefix and its runtime.Unknown envelope) into the JSON
 * object the same request would carry. Throws 415 (a Status kubectl prints as one line) for a
 * kind or a set field the tables do not cover.
 */
export function decodeProtobuf(body: Buffer): JsonObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC))
    throw unsupported('no k8s protobuf prefix');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of fields(body.subarray(MAGIC.length))) {
    if (f.number === 1) {
      for (const t of fields(f.bytes ?? Buffer.alloc(0))) {
        if (t.number === 1) apiVersion = text(t);
        else if (t.number === 2) kind = text(t);
      }
    } else if (f.number === 2) raw = f.bytes ?? Buffer.alloc(0);
    else if (f.number === 3 && !isEmpty(f)) throw unsupported('content encoding');
  }
  const name = kinds[`${apiVersion}/${kind}`];
  if (!name) throw unsupported(`${apiVersion || '?'} ${kind || '?'}`);
  const obj = message(raw, name, kind);
  return { apiVersion, kind, ...obj, metadata: isObject(obj.metadata) ? obj.metadata : {} };
}

/** Kept for callers of the first reader: a Namespace is one of the kinds decodeProtobuf reads. */
export function decodeProtobufNamespace(body: Buffer): JsonObject {
  const obj = decodeProtobuf(body);
  if (obj.kind !== 'Namespace') throw unsupported(`${String(obj.apiVersion)} ${String(obj.kind)}`);
  return obj;
}
