/**
 * The validation the real server does that our users can trip over: names, required fields,
 * selectors matching templates, and immutable fields. Failures answer 422 with per-field causes.
 */
import type { FieldError } from './api-error.js';
import type { Json, JsonObject } from './json.js';
import { deepEqual, isObject, str } from './json.js';
import { labelsOf } from './selectors.js';
import { schemas } from './k8s-schema.js';
import { decodeAs, type DecodeResult } from './structure.js';

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kinds whose names must be DNS-1123 labels (not subdomains). */
const labelNamed = new Set(['Namespace', 'Service']);

function validateName(kind: string, name: string | undefined, errors: FieldError[]): void {
  if (!name) {
    errors.push({
      field: 'metadata.name',
      type: 'FieldValueRequired',
      detail: 'name or generateName is required',
    });
    return;
  }
  const label = labelNamed.has(kind);
  const re = label ? dns1123Label : dns1123Subdomain;
  if (!re.test(name) || name.length > (label ? 63 : 253)) {
    errors.push({
      field: 'metadata.name',
      type: 'FieldValueInvalid',
      value: name,
      detail: label
        ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    });
  }
}

function validateLabels(obj: JsonObject, errors: FieldError[]): void {
  const metadata = isObject(obj.metadata) ? obj.metadata : {};
  for (const field of ['labels', 'annotations']) {
    const map = metadata[field];
    if (map === undefined) continue;
    if (!isObject(map)) {
      errors.push({
        field: `metadata.${field}`,
        type: 'FieldValueInvalid',
        value: map,
        detail: 'must be a map of strings',
      });
      continue;
    }
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== 'string')
        errors.push({
          field: `metadata.${field}`,
          type: 'FieldValueInvalid',
          value: v,
          detail: `value of ${k} must be a string`,
        });
      if (
        field === 'labels' &&
        typeof v === 'string' &&
        (v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v))
      ) {
        errors.push({
          field: `metadata.labels`,
          type: 'FieldValueInvalid',
          value: v,
          detail:
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        });
      }
    }
  }
}

function validateContainers(spec: JsonObject, field: string, errors: FieldError[]): void {
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    errors.push({ field: `${field}.containers`, type: 'FieldValueRequired', detail: '' });
    return;
  }
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const at = `${field}.containers[${i}]`;
    if (!isObject(c)) return;
    const name = str(c, 'name');
    if (!name) errors.push({ field: `${at}.name`, type: 'FieldValueRequired', detail: '' });
    else if (seen.has(name))
      errors.push({ field: `${at}.name`, type: 'FieldValueInvalid', value: name, detail: 'Duplicate value' });
    else seen.add(name);
    if (!str(c, 'image')) errors.push({ field: `${at}.image`, type: 'FieldValueRequired', detail: '' });
  });
}

function validateTemplate(spec: JsonObject, selectorRequired: boolean, errors: FieldError[]): void {
  const template = isObject(spec.template) ? spec.template : undefined;
  if (!template) {
    errors.push({ field: 'spec.template', type: 'FieldValueRequired', detail: '' });
    return;
  }
  const selector = isObject(spec.selector) ? spec.selector : undefined;
  if (selectorRequired && !selector)
    errors.push({ field: 'spec.selector', type: 'FieldValueRequired', detail: '' });
  if (selector) {
    const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
    const labels = labelsOf(template);
    const mismatch = Object.entries(matchLabels).some(([k, v]) => labels[k] !== v);
    if (mismatch) {
      errors.push({
        field: 'spec.template.metadata.labels',
        type: 'FieldValueInvalid',
        value: labels,
        detail: '`selector` does not match template `labels`',
      });
    }
  }
  const podSpec = isObject(template.spec) ? template.spec : {};
  validateContainers(podSpec, 'spec.template.spec', errors);
}

function immutable(
  field: string,
  prev: Json | undefined,
  next: Json | undefined,
  errors: FieldError[],
): void {
  if (prev !== undefined && !deepEqual(prev, next))
    errors.push({ field, type: 'FieldValueInvalid', value: next, detail: 'field is immutable' });
}

function get(obj: JsonObject, ...path: string[]): Json | undefined {
  let cur: Json | undefined = obj;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
}

/** Validates a (defaulted) object, given the stored one on updates; returns the field errors. */
export function validateObject(obj: JsonObject, prev: JsonObject | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const kind = String(obj.kind);
  const metadata = isObject(obj.metadata) ? obj.metadata : {};
  validateName(kind, str(metadata, 'name'), errors);
  validateLabels(obj, errors);
  const spec = isObject(obj.spec) ? obj.spec : {};
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
      validateTemplate(spec, true, errors);
      if (prev) immutable('spec.selector', get(prev, 'spec', 'selector'), spec.selector, errors);
      if (typeof spec.replicas === 'number' && spec.replicas < 0) {
        errors.push({
          field: 'spec.replicas',
          type: 'FieldValueInvalid',
          value: spec.replicas,
          detail: 'must be greater than or equal to 0',
        });
      }
      break;
    case 'Job': {
      validateTemplate(spec, false, errors);
      const restart = get(spec, 'template', 'spec', 'restartPolicy');
      if (restart !== 'Never' && restart !== 'OnFailure') {
        errors.push({
          field: 'spec.template.spec.restartPolicy',
          type: 'FieldValueNotSupported',
          value: restart,
          detail: 'supported values: "OnFailure", "Never"',
        });
      }
      if (prev) immutable('spec.template', get(prev, 'spec', 'template'), spec.template, errors);
      break;
    }
    case 'CronJob':
      if (!str(spec, 'schedule'))
        errors.push({ field: 'spec.schedule', type: 'FieldValueRequired', detail: '' });
      break;
    case 'Pod':
      validateContainers(spec, 'spec', errors);
      break;
    case 'Service': {
      const type = str(spec, 'type');
      const headless = spec.clusterIP === 'None';
      if (type !== 'ExternalName' && !headless && (!Array.isArray(spec.ports) || spec.ports.length === 0)) {
        errors.push({ field: 'spec.ports', type: 'FieldValueRequired', detail: '' });
      }
      if (prev) immutable('spec.clusterIP', get(prev, 'spec', 'clusterIP'), spec.clusterIP, errors);
      break;
    }
    case 'ConfigMap':
    case 'Secret':
      if (prev && prev.immutable === true) {
        for (const f of ['data', 'binaryData', 'stringData']) {
          if (!deepEqual(prev[f], obj[f]))
            errors.push({
              field: f,
              type: 'FieldValueForbidden',
              detail: 'field is immutable when `immutable` is set',
            });
        }
      }
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      if (!isObject(obj.roleRef)) errors.push({ field: 'roleRef', type: 'FieldValueRequired', detail: '' });
      else if (prev) immutable('roleRef', prev.roleRef, obj.roleRef, errors);
      break;
    case 'PersistentVolumeClaim':
      if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0) {
        errors.push({
          field: 'spec.accessModes',
          type: 'FieldValueRequired',
          detail: 'at least 1 access mode is required',
        });
      }
      if (get(spec, 'resources', 'requests', 'storage') === undefined) {
        errors.push({ field: 'spec.resources[storage]', type: 'FieldValueRequired', detail: '' });
      }
      break;
    case 'CustomResourceDefinition': {
      const group = str(spec, 'group') ?? '';
      const plural = str(isObject(spec.names) ? spec.names : {}, 'plural') ?? '';
      const name = str(metadata, 'name');
      if (name !== `${plural}.${group}`) {
        errors.push({
          field: 'metadata.name',
          type: 'FieldValueInvalid',
          value: name,
          detail: 'must be spec.names.plural+"."+spec.group',
        });
      }
      const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
      if (versions.filter((v) => v.storage === true).length !== 1) {
        errors.push({
          field: 'spec.versions',
          type: 'FieldValueInvalid',
          value: versions.map((v) => v.name ?? null),
          detail: 'must have exactly one version marked as storage version',
        });
      }
      break;
    }
    default:
      break;
  }
  return errors;
}

/** The subset of a served type that decoding needs. */
export interface TypeRef {
  group: string;
  version: string;
  kind: string;
  crdName?: string;
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
      unknown: meta.unknown.map((f) => `metadata.${f}`),
    };
  }
  const def = set.forKind(type.group, type.version, type.kind);
  if (!def) return { unknown: [] };
  return decodeAs(set, def, body);
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
