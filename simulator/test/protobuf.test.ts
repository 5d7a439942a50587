/**
 * The protobuf body reader on bytes kubectl 1.32 sent (`kubectl create namespace pbtest`,
 * `create configmap cm1 --from-literal=a=1 --from-literal=b=two`, `create deployment web
 * --image=nginx:1.27 --port=80 --replicas=2`, captured from the wire) and on variants built field
 * by field: what it decodes, and what it refuses rather than drop.
 */
import { ApiError } from '../src/api-error.js';
import { decodeProtobuf, decodeProtobufNamespace } from '../src/protobuf.js';

const KUBECTL_CREATE_NAMESPACE = Buffer.from(
  '6b3873000a0f0a02763112094e616d657370616365121e0a160a067062746573741200' +
    '1a0022002a0032003800420012001a020a001a002200',
  'hex',
);

/** A length-delimited protobuf field (numbers and lengths below 128, enough for these cases). */
const KUBECTL_CREATE_CONFIGMAP = Buffer.from(
  '6b3873000a0f0a0276311209436f6e6669674d617012270a130a03636d3112001a0022002a0032003800420012060a016112013112080a0162120374776f1a002200',
  'hex',
);

const KUBECTL_CREATE_DEPLOYMENT = Buffer.from(
  '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bd010a1f0a0377656212001a0022002a003200380042005a0a0a036170701203776562128b010802120c0a0a0a0361707012037765621a710a1c0a0012001a0022002a003200380042005a0a0a036170701203776562125112330a056e67696e78120a6e67696e783a312e32372a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
  'hex',
);

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
      spec: {},
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

  it('refuses a kind it has no tables for with 415 UnsupportedMediaType naming it', () => {
    let err: ApiError | undefined;
    try {
      decodeProtobuf(envelope('Endpoints', field(1, 'settings')));
    } catch (e) {
      err = e as ApiError;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect(err?.code).toBe(415);
    expect(err?.reason).toBe('UnsupportedMediaType');
    expect(err?.message).toContain('(v1 Endpoints)');
  });

  it("decodes kubectl's create configmap body", () => {
    expect(decodeProtobuf(KUBECTL_CREATE_CONFIGMAP)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm1' },
      data: { a: '1', b: 'two' },
    });
  });

  it("decodes kubectl's create deployment body down to the container port, keeping the pointer replicas", () => {
    expect(decodeProtobuf(KUBECTL_CREATE_DEPLOYMENT)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: {} },
            ],
          },
        },
        strategy: {},
      },
    });
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
