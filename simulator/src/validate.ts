/**
 * The validation the real server does that our users can trip over: names, required fields,
 * selectors matching templates, and immutable fields. Failures answer 422 with per-field causes.
 */
import type { FieldError } from './api-error.js';
import type { JsonObject } from './json.js';
import { isObject, str } from './json.js';
import {
  checkAnnotations,
  checkKind,
  checkLabel,
  checkLabels,
  checkSubdomain,
  checkUpdate,
  Errors,
} from './rules.js';
import { checkCrd, checkCustomResource, pruneUnknown } from './crd-rules.js';
import { schemas } from './k8s-schema.js';
import { decodeAs, type DecodeResult } from './structure.js';

const rbacKinds = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

function validateName(kind: string, name: string | undefined, e: Errors): void {
  if (!name) {
    e.required('metadata.name', 'name or generateName is required');
    return;
  }
  if (rbacKinds.has(kind)) {
    if (name === '.' || name === '..') e.invalid('metadata.name', name, `may not be '${name}'`);
    for (const bad of ['/', '%'])
      if (name.includes(bad)) e.invalid('metadata.name', name, `may not contain '${bad}'`);
    return;
  }
  if (kind === 'Service') {
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) e.invalid('metadata.name', name, DNS1035_MSG);
    if (name.length > 63) e.invalid('metadata.name', name, 'must be no more than 63 characters');
    return;
  }
  if (kind === 'Namespace') return checkLabel(name, 'metadata.name', e);
  checkSubdomain(name, 'metadata.name', e);
}

/** Validates a (defaulted) object, given the stored one on updates; returns the field errors. */
export function validateObject(
  obj: JsonObject,
  prev: JsonObject | undefined,
  crdSchema?: JsonObject,
): FieldError[] {
  const e = new Errors();
  const kind = String(obj.kind);
  const metadata = isObject(obj.metadata) ? obj.metadata : {};
  validateName(kind, str(metadata, 'name'), e);
  checkLabels(metadata.labels, 'metadata.labels', e);
  checkAnnotations(metadata.annotations, 'metadata.annotations', e);
  checkKind(kind, obj, e);
  if (crdSchema) checkCustomResource(obj, crdSchema, e);
  else if (kind === 'CustomResourceDefinition') checkCrd(obj, e);
  if (prev) checkUpdate(kind, obj, prev, e);
  return e.list;
}

/** The subset of a served type that decoding needs. */
export interface TypeRef {
  group: string;
  version: string;
  kind: string;
  crdName?: string;
  /** A custom resource version's openAPIV3Schema. */
  schema?: JsonObject;
}

const objectMeta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function decodeBody(type: TypeRef, body: JsonObject): DecodeResult {
  const set = schemas();
  if (type.crdName) {
    // Custom resources: only the metadata has a Go type; the rest is checked against the CRD.
    const meta = decodeAs(set, objectMeta, isObject(body.metadata) ? body.metadata : {});
    return {
      ...(meta.typeError
        ? { typeError: meta.typeError.replace(/ObjectMeta\./, 'ObjectMeta.metadata.') }
        : {}),
      unknown: [
        ...meta.unknown.map((f) => `metadata.${f}`),
        ...(type.schema ? prunedPaths(body, type.schema) : []),
      ],
    };
  }
  const def = set.forKind(type.group, type.version, type.kind);
  if (!def) return { unknown: [] };
  return decodeAs(set, def, body);
}

function prunedPaths(body: JsonObject, schema: JsonObject): string[] {
  const out: string[] = [];
  pruneUnknown(body, schema, '', out);
  return out;
}

/** The kind's name in decode errors: `Deployment in version "v1" cannot be handled as a Deployment`. */
export function decodePrefix(type: TypeRef): string {
  return `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}`;
}

/**
 * Fields of the body that the kind's schema does not declare, with their paths
 * (`spec.template.spec.containers[0].imagePullpolicy`). Keys starting with `$` are patch
 * directives, not fields.
 */
export function unknownFields(type: TypeRef, body: JsonObject): string[] {
  return decodeBody(type, body).unknown.filter((f) => !/(^|\.)\$/.test(f));
}

/**
 * The first value whose JSON type the kind's Go type could not decode (or a malformed quantity),
 * phrased as the real server's 400, or undefined.
 */
export function decodeError(type: TypeRef, body: JsonObject): string | undefined {
  const { typeError } = decodeBody(type, body);
  return typeError ? `${decodePrefix(type)}: ${typeError}` : undefined;
}
