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

/** The OpenAPI v3 path of a group version (`api/v1`, `apis/apps/v1`). */
export function openApiV3Key(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function schemaName(t: ResourceType): string {
  const reversed = t.group === '' ? 'core' : t.group.split('.').reverse().join('.');
  return t.crdName
    ? `${reversed}.${t.version}.${t.kind}`
    : `io.k8s.api.${t.group === '' ? 'core' : t.group.split('.')[0]}.${t.version}.${t.kind}`;
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
  const schemas: JsonObject = {};
  for (const t of types) {
    const base = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.plural}` : `${prefix}/${t.plural}`;
    paths[base] = operations(t, true);
    paths[`${base}/{name}`] = operations(t, false);
    if (t.hasStatus) paths[`${base}/{name}/status`] = operations(t, false);
    schemas[schemaName(t)] = objectSchema(t);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas },
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
