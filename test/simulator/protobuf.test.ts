/**
 * The protobuf Namespace reader on bytes kubectl 1.32 sent (`kubectl create namespace pbtest`,
 * captured with -v=8) and on variants built field by field: what it decodes, and what it refuses
 * rather than drop.
 */
import { ApiError } from './api-error.js';
import { decodeProtobufNamespace } from './protobuf.js';

const KUBECTL_CREATE_NAMESPACE = Buffer.from(
  '6b3873000a0f0a02763112094e616d657370616365121e0a160a067062746573741200' +
    '1a0022002a0032003800420012001a020a001a002200',
  'hex',
);

/** A length-delimited protobuf field (numbers and lengths below 128, enough for these cases). */
function field(number: number, body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from([(number << 3) | 2, bytes.length]), bytes]);
}

function envelope(kind: string, metadata: Buffer, extra: Buffer = Buffer.alloc(0)): Buffer {
  const typeMeta = Buffer.concat([field(1, 'v1'), field(2, kind)]);
  const raw = Buffer.concat([field(1, metadata), extra]);
  return Buffer.concat([Buffer.from('k8s\0'), field(1, typeMeta), field(2, raw)]);
}

function refusal(body: Buffer): ApiError {
  try {
    decodeProtobufNamespace(body);
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('the body was accepted');
}

describe('protobuf Namespace bodies', () => {
  it("decodes kubectl's own create namespace body into the JSON Namespace, dropping empty fields", () => {
    expect(decodeProtobufNamespace(KUBECTL_CREATE_NAMESPACE)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'pbtest' },
    });
  });

  it('decodes generateName, labels, annotations and spec finalizers', () => {
    const metadata = Buffer.concat([
      field(2, 'team-'),
      field(11, Buffer.concat([field(1, 'tier'), field(2, 'dev')])),
      field(12, Buffer.concat([field(1, 'owner'), field(2, 'ops')])),
    ]);
    const spec = field(2, field(1, 'kubernetes'));
    expect(decodeProtobufNamespace(envelope('Namespace', metadata, spec))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { generateName: 'team-', labels: { tier: 'dev' }, annotations: { owner: 'ops' } },
      spec: { finalizers: ['kubernetes'] },
    });
  });

  it('refuses another kind with 415 UnsupportedMediaType naming it', () => {
    const err = refusal(envelope('ConfigMap', field(1, 'settings')));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(415);
    expect(err.reason).toBe('UnsupportedMediaType');
    expect(err.message).toContain('(v1 ConfigMap)');
  });

  it('refuses a Namespace with a set field it does not read (ownerReferences) instead of dropping it', () => {
    const err = refusal(envelope('Namespace', Buffer.concat([field(1, 'x'), field(13, field(1, 'v1'))])));
    expect(err.code).toBe(415);
    expect(err.message).toContain('metadata field 13 is not supported');
  });

  it('refuses bodies without the k8s prefix and truncated ones', () => {
    expect(refusal(Buffer.from('{"kind":"Namespace"}')).message).toContain('no k8s protobuf prefix');
    expect(refusal(KUBECTL_CREATE_NAMESPACE.subarray(0, 20)).message).toContain('truncated field');
  });
});
