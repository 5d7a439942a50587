/**
 * The one protobuf body the simulator understands: a Namespace, as `kubectl create namespace`
 * sends it. kubectl 1.32 encodes built-in kinds it builds itself as protobuf and does not retry
 * with JSON when a server answers 415, so without this `kubectl create namespace` cannot work.
 * Anything else in protobuf — another kind, or a Namespace field this reader does not know set
 * to a non-empty value — is refused with 415 rather than silently losing data.
 */
import { ApiError } from './api-error.js';
import type { JsonObject } from './json.js';

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
    `the body of the request was in an unknown format (${detail}) - the simulator accepts protobuf only for creating a Namespace; accepted media types include: application/json, application/yaml`,
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
    else if (wireType === 2) {
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

/** A map<string,string> entry: key = 1, value = 2. */
function mapEntry(f: Field): [string, string] {
  let key = '';
  let value = '';
  for (const e of fields(f.bytes ?? Buffer.alloc(0))) {
    if (e.number === 1) key = text(e);
    else if (e.number === 2) value = text(e);
  }
  return [key, value];
}

/** Reads `message`, handing each known field to `known` and refusing unknown non-empty ones. */
function walk(message: Buffer, where: string, known: Record<number, (f: Field) => void>): void {
  for (const f of fields(message)) {
    const handle = known[f.number];
    if (handle) handle(f);
    else if (!isEmpty(f)) throw unsupported(`${where} field ${f.number} is not supported`);
  }
}

/** ObjectMeta: name 1, generateName 2, namespace 3, labels 11, annotations 12, finalizers 14. */
function objectMeta(buf: Buffer): JsonObject {
  const meta: JsonObject = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const finalizers: string[] = [];
  const str = (name: string) => (f: Field) => {
    if (!isEmpty(f)) meta[name] = text(f);
  };
  walk(buf, 'metadata', {
    1: str('name'),
    2: str('generateName'),
    3: str('namespace'),
    11: (f) => {
      const [k, v] = mapEntry(f);
      labels[k] = v;
    },
    12: (f) => {
      const [k, v] = mapEntry(f);
      annotations[k] = v;
    },
    14: (f) => {
      finalizers.push(text(f));
    },
  });
  if (Object.keys(labels).length > 0) meta.labels = labels;
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  if (finalizers.length > 0) meta.finalizers = finalizers;
  return meta;
}

/**
 * Decodes a protobuf Namespace body into the JSON object the same request would carry as JSON.
 * Throws 415 (a Status kubectl prints as one line) for any other content.
 */
export function decodeProtobufNamespace(body: Buffer): JsonObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC))
    throw unsupported('no k8s protobuf prefix');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  walk(body.subarray(MAGIC.length), 'envelope', {
    1: (f) =>
      walk(f.bytes ?? Buffer.alloc(0), 'typeMeta', {
        1: (t) => void (apiVersion = text(t)),
        2: (t) => void (kind = text(t)),
      }),
    2: (f) => void (raw = f.bytes ?? Buffer.alloc(0)),
  });
  if (apiVersion !== 'v1' || kind !== 'Namespace') throw unsupported(`${apiVersion || '?'} ${kind || '?'}`);
  const namespace: JsonObject = { apiVersion, kind, metadata: {} };
  const finalizers: string[] = [];
  walk(raw, 'Namespace', {
    1: (f) => void (namespace.metadata = objectMeta(f.bytes ?? Buffer.alloc(0))),
    2: (f) => walk(f.bytes ?? Buffer.alloc(0), 'spec', { 1: (s) => void finalizers.push(text(s)) }),
    // status (phase 1, conditions 2) is the server's to set; a create's is ignored, as a real server does.
    3: () => {},
  });
  if (finalizers.length > 0) namespace.spec = { finalizers };
  return namespace;
}
