/**
 * The object-name and label rules the API server enforces but the OpenAPI schemas do not
 * express, checked at render time so `Keystone_API` or a label value with a space fails in
 * `generate` rather than half-way through a deploy.
 */
import type { KubeObject } from '../model/types.js';
import { isPlainObject } from './values.js';
import { apiGroup, podTemplateOf } from './post.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Why an object name is invalid for its kind, or undefined. */
export function nameProblem(kind: string, apiVersion: string, name: string): string | undefined {
  const group = apiGroup(apiVersion);
  if (group === 'rbac.authorization.k8s.io') {
    if (name === '.' || name === '..' || /[/%]/.test(name))
      return 'must not be "." or ".." or contain "/" or "%"';
    return undefined;
  }
  if (group === '' && kind === 'Service') {
    return name.length <= 63 && DNS_1035.test(name)
      ? undefined
      : 'must be a DNS-1035 label: at most 63 lower-case letters, digits and "-", starting with a letter';
  }
  if (group === '' && kind === 'Namespace') {
    return name.length <= 63 && DNS_LABEL.test(name)
      ? undefined
      : 'must be a DNS label: at most 63 lower-case letters, digits and "-"';
  }
  return name.length <= 253 && DNS_SUBDOMAIN.test(name)
    ? undefined
    : 'must be a DNS subdomain: lower-case letters, digits, "-" and ".", at most 253';
}

/** Why a label key is invalid, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'has an invalid prefix (a DNS subdomain before "/")';
  }
  if (name.length > 63 || !LABEL_NAME.test(name)) {
    return 'must be at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Why a label value is invalid, or undefined. */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string (quote it)';
  if (value === '') return undefined;
  return value.length <= 63 && LABEL_NAME.test(value)
    ? undefined
    : 'must be at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
}

function labelProblems(labels: unknown, field: string): string | undefined {
  if (!isPlainObject(labels)) return undefined;
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) return `${field}: label key ${JSON.stringify(key)} ${keyProblem}`;
    const valueProblem = labelValueProblem(value);
    if (valueProblem)
      return `${field}[${JSON.stringify(key)}]: label value ${JSON.stringify(value)} ${valueProblem}`;
  }
  return undefined;
}

/** The first name or label problem of an object, as `field: reason`, or undefined. */
export function metadataProblem(object: KubeObject): string | undefined {
  const name = object.metadata.name;
  const problem = nameProblem(object.kind, object.apiVersion, name);
  if (problem) return `metadata.name: ${JSON.stringify(name)} ${problem}`;
  const labels = labelProblems(object.metadata.labels, 'metadata.labels');
  if (labels) return labels;
  const template = podTemplateOf(object);
  const templateMeta = template && isPlainObject(template.metadata) ? template.metadata : undefined;
  const path = object.kind === 'CronJob' ? 'spec.jobTemplate.spec.template' : 'spec.template';
  return templateMeta ? labelProblems(templateMeta.labels, `${path}.metadata.labels`) : undefined;
}
