/**
 * Schema validation of rendered objects with the `kubernetes-models` package (maintained, generated
 * from the Kubernetes OpenAPI). Each kind's validator is imported on first use only, so a release
 * loads the schemas of the kinds it contains and nothing else. Kinds without a schema (custom
 * resources) pass with a warning.
 */
import { InputError } from '../errors.js';
import { metadataProblem } from './names.js';
import type { RenderedObject } from './types.js';

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

function loadModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const key = `${apiVersion}/${kind}`;
  let pending = models.get(key);
  if (!pending) {
    const path = modulePath(apiVersion, kind);
    pending = path
      ? import(path).then(
          (mod: Record<string, unknown>) =>
            typeof mod[kind] === 'function' ? (mod[kind] as ModelClass) : undefined,
          () => undefined,
        )
      : Promise.resolve(undefined);
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

function issueText(issue: AjvIssue): string {
  const path = jsonPointerToPath(issue.instancePath ?? '');
  const params = issue.params ?? {};
  if (typeof params.missingProperty === 'string')
    return `${path === '(object)' ? '' : `${path}.`}${params.missingProperty}: is required`;
  if (Array.isArray(params.allowedValues))
    return `${path}: ${issue.message ?? 'invalid'} (${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
  return `${path}: ${issue.message ?? 'invalid'}`;
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
          ? issueText(issues[0])
          : err instanceof Error
            ? err.message
            : String(err);
      const more = Array.isArray(issues) && issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
      throw new InputError(
        `${rendered.package} ${rendered.template}: ${object.kind} ${object.metadata.name}: ${detail}${more}`,
        {
          hint: `fix the template so the ${object.kind} matches the Kubernetes ${object.apiVersion} schema`,
        },
      );
    }
  }
  return warnings;
}
