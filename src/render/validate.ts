/**
 * Schema validation of rendered objects with the `kubernetes-models` package (maintained, generated
 * from the Kubernetes OpenAPI). Each kind's validator is imported on first use only, so a release
 * loads the schemas of the kinds it contains and nothing else. Kinds without a schema (custom
 * resources) pass with a warning.
 */
import { createRequire } from 'node:module';
import { describeCause, ExitCode, InputError, StackanetesError } from '../errors.js';
import { metadataProblem } from './names.js';
import type { RenderedObject } from '../model/types.js';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

interface AjvIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const models = new Map<string, Promise<ModelClass | undefined>>();
const requireFrom = createRequire(import.meta.url);
/** Imports run one after another: jest's ESM loader can fail a module that is first imported
 * concurrently with siblings sharing its dependencies, and a built-in kind must never lose its
 * validator to such a race. Plain Node loads them just as fast in sequence. */
let importQueue: Promise<unknown> = Promise.resolve();

const GROUP = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const VERSION = /^v[0-9]+((alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

function modulePath(apiVersion: string, kind: string): string | undefined {
  const parts = apiVersion.split('/');
  const [group, version] = parts.length === 1 ? ['', parts[0] ?? ''] : [parts[0] ?? '', parts[1] ?? ''];
  if (parts.length > 2 || !VERSION.test(version) || !KIND.test(kind) || (group !== '' && !GROUP.test(group)))
    return undefined;
  return group === ''
    ? `kubernetes-models/${version}/${kind}`
    : `kubernetes-models/${group}/${version}/${kind}`;
}

/** Whether kubernetes-models ships a module for this kind: resolution only, nothing is loaded. */
function shipsSchema(path: string): boolean {
  try {
    requireFrom.resolve(path);
    return true;
  } catch {
    return false;
  }
}

async function importModel(path: string, apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  let failure: unknown;
  // One retry: a failed first load under a module loader race succeeds the second time; a broken
  // installation fails both and is reported, never downgraded to "no schema".
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // require, not import(): the modules are CommonJS, and a synchronous load needs no dynamic
      // import hook when the CLI runs from its bundled, code-cached form.
      const mod = requireFrom(path) as Record<string, unknown>;
      return typeof mod[kind] === 'function' ? (mod[kind] as ModelClass) : undefined;
    } catch (err) {
      failure = err;
    }
  }
  throw new StackanetesError(
    `the schema validator for ${kind} (${apiVersion}) failed to load from ${path}: ${describeCause(failure)}`,
    {
      exitCode: ExitCode.internal,
      hint: 'reinstall the dependencies (npm ci); objects are never passed unvalidated',
      cause: failure,
    },
  );
}

/**
 * The validator of a kind, imported on first use and cached. Undefined means kubernetes-models
 * has no schema for it (a custom resource); a built-in kind whose module fails to load is an
 * internal error.
 */
function loadModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const key = `${apiVersion}/${kind}`;
  let pending = models.get(key);
  if (!pending) {
    const path = modulePath(apiVersion, kind);
    if (!path || !shipsSchema(path)) pending = Promise.resolve(undefined);
    else {
      const run = importQueue.then(() => importModel(path, apiVersion, kind));
      importQueue = run.catch(() => undefined);
      pending = run;
      // A failed load is not cached: the next render tries again.
      run.catch(() => models.delete(key));
    }
    models.set(key, pending);
  }
  return pending;
}

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`. */
export function jsonPointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out === '' ? '(object)' : out;
}

function issueText(issue: AjvIssue, object: unknown): string {
  const path = jsonPointerToPath(issue.instancePath ?? '');
  const params = issue.params ?? {};
  if (typeof params.missingProperty === 'string')
    return `${path === '(object)' ? '' : `${path}.`}${params.missingProperty}: is required`;
  // The offending value tells the user which parameter fed it (`--set replicas=abc` → "abc").
  const actual = valueAt(object, issue.instancePath ?? '');
  const got = actual === undefined ? '' : `, got ${JSON.stringify(actual)?.slice(0, 60)}`;
  if (Array.isArray(params.allowedValues))
    return `${path}: ${issue.message ?? 'invalid'} (${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})${got}`;
  return `${path}: ${issue.message ?? 'invalid'}${got}`;
}

function valueAt(object: unknown, pointer: string): unknown {
  let node = object;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** When a built-in API version stopped being served, and what replaces it. */
interface Removal {
  in: string;
  use: string;
}

/**
 * Built-in API versions that no supported Kubernetes serves (the deprecated-API migration guide),
 * with per-kind exceptions. kubernetes-models still ships their schemas, so without this table
 * `extensions/v1beta1` validated clean and failed only at deploy.
 */
const REMOVED_APIS: Record<string, Removal & { kinds?: Record<string, Removal> }> = {
  'extensions/v1beta1': {
    in: '1.16',
    use: 'apps/v1',
    kinds: {
      Ingress: { in: '1.22', use: 'networking.k8s.io/v1' },
      NetworkPolicy: { in: '1.16', use: 'networking.k8s.io/v1' },
      PodSecurityPolicy: { in: '1.25', use: 'Pod Security Admission' },
    },
  },
  'apps/v1beta1': { in: '1.16', use: 'apps/v1' },
  'apps/v1beta2': { in: '1.16', use: 'apps/v1' },
  'batch/v2alpha1': { in: '1.21', use: 'batch/v1' },
  'batch/v1beta1': { in: '1.25', use: 'batch/v1' },
  'policy/v1beta1': {
    in: '1.25',
    use: 'policy/v1',
    kinds: { PodSecurityPolicy: { in: '1.25', use: 'Pod Security Admission' } },
  },
  'networking.k8s.io/v1beta1': { in: '1.22', use: 'networking.k8s.io/v1' },
  'rbac.authorization.k8s.io/v1beta1': { in: '1.22', use: 'rbac.authorization.k8s.io/v1' },
  'apiextensions.k8s.io/v1beta1': { in: '1.22', use: 'apiextensions.k8s.io/v1' },
  'admissionregistration.k8s.io/v1beta1': { in: '1.22', use: 'admissionregistration.k8s.io/v1' },
  'apiregistration.k8s.io/v1beta1': { in: '1.22', use: 'apiregistration.k8s.io/v1' },
  'scheduling.k8s.io/v1beta1': { in: '1.22', use: 'scheduling.k8s.io/v1' },
  'certificates.k8s.io/v1beta1': { in: '1.22', use: 'certificates.k8s.io/v1' },
  'coordination.k8s.io/v1beta1': { in: '1.22', use: 'coordination.k8s.io/v1' },
  'storage.k8s.io/v1beta1': {
    in: '1.22',
    use: 'storage.k8s.io/v1',
    kinds: { CSIStorageCapacity: { in: '1.27', use: 'storage.k8s.io/v1' } },
  },
  'discovery.k8s.io/v1beta1': { in: '1.25', use: 'discovery.k8s.io/v1' },
  'events.k8s.io/v1beta1': { in: '1.25', use: 'events.k8s.io/v1' },
  'node.k8s.io/v1beta1': { in: '1.25', use: 'node.k8s.io/v1' },
  'autoscaling/v2beta1': { in: '1.25', use: 'autoscaling/v2' },
  'autoscaling/v2beta2': { in: '1.26', use: 'autoscaling/v2' },
  'flowcontrol.apiserver.k8s.io/v1beta1': { in: '1.26', use: 'flowcontrol.apiserver.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta2': { in: '1.29', use: 'flowcontrol.apiserver.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta3': { in: '1.32', use: 'flowcontrol.apiserver.k8s.io/v1' },
};

/** Why an object's apiVersion cannot be applied to a current cluster, or undefined. */
export function removedApiProblem(apiVersion: string, kind: string): string | undefined {
  const entry = REMOVED_APIS[apiVersion];
  if (!entry) return undefined;
  const removal = entry.kinds?.[kind] ?? entry;
  return `${apiVersion} was removed in Kubernetes ${removal.in}; use ${removal.use}`;
}

/**
 * Validates every object; throws an InputError naming package, template, kind/name and the field
 * path of the first problem. Returns warnings for kinds that have no schema.
 */
export async function validateObjects(objects: readonly RenderedObject[]): Promise<string[]> {
  const kinds = new Map<string, Promise<ModelClass | undefined>>();
  for (const { object } of objects) {
    const key = `${object.apiVersion}/${object.kind}`;
    if (!kinds.has(key)) kinds.set(key, loadModel(object.apiVersion, object.kind));
  }
  const loaded = new Map<string, ModelClass | undefined>();
  await Promise.all([...kinds].map(async ([key, p]) => loaded.set(key, await p)));
  const warnings: string[] = [];
  const warned = new Set<string>();
  for (const rendered of objects) {
    const { object } = rendered;
    const key = `${object.apiVersion}/${object.kind}`;
    const metadata = metadataProblem(object);
    if (metadata) {
      throw new InputError(
        `${rendered.package} ${rendered.template}: ${object.kind} ${object.metadata.name}: ${metadata}`,
        {
          hint: 'the API server would reject this object',
        },
      );
    }
    const removed = removedApiProblem(object.apiVersion, object.kind);
    if (removed) {
      throw new InputError(
        `${rendered.package} ${rendered.template}: ${object.kind} ${object.metadata.name}: ${removed}`,
        {
          hint: 'current clusters do not serve this API version; change apiVersion in the template (and the fields that changed with it)',
        },
      );
    }
    const Model = loaded.get(key);
    if (!Model) {
      if (!warned.has(key)) {
        warned.add(key);
        warnings.push(
          `${rendered.package} ${rendered.template}: no schema for ${object.kind} (${object.apiVersion}); not validated (a custom resource?)`,
        );
      }
      continue;
    }
    try {
      new Model(object).validate();
    } catch (err) {
      const issues = (err as { errors?: AjvIssue[] }).errors;
      const detail =
        Array.isArray(issues) && issues[0]
          ? issueText(issues[0], object)
          : err instanceof Error
            ? err.message
            : String(err);
      const more = Array.isArray(issues) && issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
      throw new InputError(
        `${rendered.package} ${rendered.template}: ${object.kind} ${object.metadata.name}: ${detail}${more}`,
        {
          hint: `check the parameters that feed this field (--variables, --set), or fix the template so the ${object.kind} matches the Kubernetes ${object.apiVersion} schema`,
        },
      );
    }
  }
  return warnings;
}
