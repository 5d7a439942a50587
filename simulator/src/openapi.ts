/**
 * OpenAPI documents for the served kinds. kubectl downloads them before `apply`/`diff` (client-
 * side validation) unless told `--validate=false`; a PATCH operation that lists the
 * `fieldValidation` parameter tells it the server validates fields itself, so it sends
 * `fieldValidation=Strict` instead of validating locally. Strategic merge patches are then
 * computed from kubectl's built-in types, exactly as against a real server.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from './json.js';
import type { ResourceRegistry, ResourceType } from './resources.js';
import { groupVersion } from './resources.js';
import type { Definition, FieldType } from './k8s-schema.js';
import { schemas } from './k8s-schema.js';

/** The OpenAPI v3 path of a group version (`api/v1`, `apis/apps/v1`). */
export function openApiV3Key(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function schemaName(t: ResourceType): string {
  const reversed = t.group === '' ? 'core' : t.group.split('.').reverse().join('.');
  if (t.crdName) return `${reversed}.${t.version}.${t.kind}`;
  return (
    schemas().forKind(t.group, t.version, t.kind) ??
    `io.k8s.api.${t.group === '' ? 'core' : t.group.split('.')[0]}.${t.version}.${t.kind}`
  );
}

type Flavour = 'v2' | 'v3';

function refTo(name: string, flavour: Flavour): string {
  return flavour === 'v2' ? `#/definitions/${name}` : `#/components/schemas/${name}`;
}

/** The OpenAPI schema of one field type, recording the definitions it refers to. */
function fieldSchema(t: FieldType, flavour: Flavour, refs: Set<string>): JsonObject {
  switch (t.kind) {
    case 'string':
      return { type: 'string', ...(t.enum ? { enum: t.enum } : {}) };
    case 'integer':
      return { type: 'integer', format: t.format };
    case 'number':
      return { type: 'number', format: 'double' };
    case 'boolean':
      return { type: 'boolean' };
    case 'any':
      return { 'x-kubernetes-preserve-unknown-fields': true };
    case 'array':
      return { type: 'array', items: fieldSchema(t.items, flavour, refs) };
    case 'map':
      return { type: 'object', additionalProperties: fieldSchema(t.values, flavour, refs) };
    case 'ref':
      refs.add(t.name);
      return flavour === 'v2'
        ? { $ref: refTo(t.name, flavour) }
        : { allOf: [{ $ref: refTo(t.name, flavour) }] };
  }
}

/** The OpenAPI schema of a definition from the schema package. */
function definitionSchema(d: Definition, flavour: Flavour, refs: Set<string>): JsonObject {
  const description: JsonObject = d.description ? { description: d.description } : {};
  switch (d.scalar) {
    case 'quantity':
      return flavour === 'v2'
        ? { ...description, type: 'string' }
        : { ...description, oneOf: [{ type: 'string' }, { type: 'number' }] };
    case 'int-or-string':
      return { ...description, type: 'string', format: 'int-or-string' };
    case 'date-time':
      return { ...description, type: 'string', format: 'date-time' };
    case 'object':
      return { ...description, type: 'object' };
    case 'string':
      return { ...description, type: 'string' };
    case 'any':
      return { ...description, 'x-kubernetes-preserve-unknown-fields': true };
    default:
      break;
  }
  const properties: JsonObject = {};
  for (const [k, f] of Object.entries(d.properties ?? {})) {
    properties[k] = {
      ...fieldSchema(f.type, flavour, refs),
      ...(f.description ? { description: f.description } : {}),
    };
  }
  return {
    ...description,
    type: 'object',
    ...(d.required ? { required: d.required } : {}),
    properties,
    ...(d.gvk ? { 'x-kubernetes-group-version-kind': [{ ...d.gvk }] } : {}),
  };
}

/** Definitions for `roots` and everything they refer to. */
function closure(roots: string[], flavour: Flavour): JsonObject {
  const set = schemas();
  const out: JsonObject = {};
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (out[name] !== undefined) continue;
    const d = set.get(name);
    if (!d) continue;
    const refs = new Set<string>();
    out[name] = definitionSchema(d, flavour, refs);
    for (const r of refs) if (out[r] === undefined) queue.push(r);
  }
  return out;
}

function gvk(t: ResourceType): JsonObject {
  return { group: t.group, version: t.version, kind: t.kind };
}

const queryParams = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({
  name,
  in: 'query',
  description: name,
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

function objectSchema(t: ResourceType): JsonObject {
  if (t.schema) return { ...t.schema, 'x-kubernetes-group-version-kind': [gvk(t)] };
  const known = schemas().forKind(t.group, t.version, t.kind);
  if (known) return closure([known], 'v3')[known] as JsonObject;
  return {
    type: 'object',
    description: `${t.kind} as served by the stackanetes Kubernetes API simulator.`,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-preserve-unknown-fields': true,
    'x-kubernetes-group-version-kind': [gvk(t)],
  };
}

function operations(t: ResourceType, collection: boolean): JsonObject {
  const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
  const content = (types: string[]): JsonObject =>
    Object.fromEntries(types.map((ct) => [ct, { schema: ref }]));
  const response = {
    '200': { description: 'OK', content: content(['application/json', 'application/yaml']) },
  };
  const op = (action: string, extra: JsonObject = {}): JsonObject => ({
    operationId: `${action}${t.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk(t),
    parameters: queryParams,
    responses: response,
    ...extra,
  });
  if (collection) {
    return {
      get: op('list'),
      post: op('post', { requestBody: { content: content(['*/*']) } }),
      delete: op('deletecollection'),
    };
  }
  return {
    get: op('get'),
    put: op('put', { requestBody: { content: content(['*/*']) } }),
    delete: op('delete'),
    patch: op('patch', {
      requestBody: {
        content: content([
          'application/apply-patch+yaml',
          'application/json-patch+json',
          'application/merge-patch+json',
        ]),
      },
    }),
  };
}

/** The OpenAPI v3 document of one group version. */
export function openApiV3Document(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const paths: JsonObject = {};
  const components: JsonObject = {};
  for (const t of types) {
    const base = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.plural}` : `${prefix}/${t.plural}`;
    paths[base] = operations(t, true);
    paths[`${base}/{name}`] = operations(t, false);
    if (t.hasStatus) paths[`${base}/{name}/status`] = operations(t, false);
    components[schemaName(t)] = objectSchema(t);
    const known = t.crdName ? undefined : schemas().forKind(t.group, t.version, t.kind);
    if (known) Object.assign(components, closure([known], 'v3'));
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: components },
  };
}

/**
 * The OpenAPI v2 (swagger) document of every served kind. PATCH operations do not list
 * strategic merge patch, so kubectl computes those patches from its built-in types (as it does
 * through the v3 documents) rather than from these schemas, which carry no patch strategies.
 */
export function openApiV2Document(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {};
  const roots: string[] = [];
  const extra: JsonObject = {};
  for (const t of registry.all()) {
    const prefix = t.group === '' ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`;
    const base = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.plural}` : `${prefix}/${t.plural}`;
    const ref = { $ref: `#/definitions/${schemaName(t)}` };
    const op = (action: string, extraOp: JsonObject = {}): JsonObject => ({
      operationId: `${action}${t.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk(t),
      parameters: queryParams.map((p) => ({
        name: p.name,
        in: 'query',
        type: p.schema.type,
        uniqueItems: true,
      })),
      responses: { '200': { description: 'OK', schema: ref } },
      ...extraOp,
    });
    paths[base] = { get: op('list'), post: op('post') };
    paths[`${base}/{name}`] = {
      get: op('get'),
      put: op('put'),
      delete: op('delete'),
      patch: op('patch', {
        consumes: [
          'application/json-patch+json',
          'application/merge-patch+json',
          'application/apply-patch+yaml',
        ],
      }),
    };
    if (t.crdName) extra[schemaName(t)] = objectSchema(t);
    else roots.push(schemaName(t));
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    definitions: { ...closure(roots, 'v2'), ...extra },
  };
}

/** The OpenAPI v3 discovery document: one entry per group version with a content hash. */
export function openApiV3Root(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const doc = openApiV3Document(registry, group, version);
      const hash = createHash('sha256').update(JSON.stringify(doc)).digest('hex').toUpperCase();
      paths[openApiV3Key(group, version)] = {
        serverRelativeURL: `/openapi/v3/${openApiV3Key(group, version)}?hash=${hash}`,
      };
    }
  }
  return { paths };
}

/** Discovery's resource list entry for a type. */
export function discoveryEntry(t: ResourceType): JsonObject {
  const entry: JsonObject = {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.verbs,
    storageVersionHash: createHash('sha256')
      .update(`${groupVersion(t.group, t.version)}/${t.kind}`)
      .digest('base64')
      .slice(0, 11),
  };
  if (t.shortNames.length > 0) entry.shortNames = t.shortNames;
  if (t.categories.length > 0) entry.categories = t.categories;
  return entry;
}
