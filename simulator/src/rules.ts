/**
 * kube-apiserver 1.32's validation rules for the kinds our packages render and the common ones
 * beyond, learned from the upstream validation packages (core, apps, batch, networking, policy,
 * rbac, apiextensions) and their tests: field paths, reasons and details as the real server
 * words them, so a 422 from the simulator reads like one from a cluster.
 */
import type { FieldError } from './api-error.js';
import type { Json, JsonObject } from './json.js';
import { deepEqual, isObject, str } from './json.js';
import { compareQuantities, parseQuantity } from './quantity-canonical.js';

type Obj = JsonObject;

/** Collects field errors with the real reasons. */
export class Errors {
  readonly list: FieldError[] = [];
  required(field: string, detail = ''): void {
    this.list.push({ field, type: 'FieldValueRequired', detail });
  }
  invalid(field: string, value: Json | undefined, detail: string): void {
    this.list.push({ field, type: 'FieldValueInvalid', value, detail });
  }
  notSupported(field: string, value: Json | undefined, supported: readonly string[]): void {
    this.list.push({
      field,
      type: 'FieldValueNotSupported',
      value,
      detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
    });
  }
  forbidden(field: string, detail: string): void {
    this.list.push({ field, type: 'FieldValueForbidden', detail });
  }
  duplicate(field: string, value: Json | undefined): void {
    this.list.push({ field, type: 'FieldValueDuplicate', value, detail: '' });
  }
  notFound(field: string, value: Json | undefined): void {
    this.list.push({ field, type: 'FieldValueNotFound', value, detail: '' });
  }
  tooLong(field: string, detail: string): void {
    this.list.push({ field, type: 'FieldValueTooLong', detail });
  }
}

const obj = (v: Json | undefined): Obj | undefined => (isObject(v) ? v : undefined);
const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
const objs = (v: Json | undefined): [Obj, number][] =>
  arr(v)
    .map((x, i) => [x, i] as [Json, number])
    .filter((p): p is [Obj, number] => isObject(p[0]));

export const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function checkLabel(value: string, field: string, e: Errors): void {
  if (!dns1123Label.test(value)) e.invalid(field, value, DNS1123_LABEL_MSG);
  if (value.length > 63) e.invalid(field, value, 'must be no more than 63 characters');
}

export function checkSubdomain(value: string, field: string, e: Errors): void {
  if (value.length > 253) e.invalid(field, value, 'must be no more than 253 characters');
  if (!dns1123Subdomain.test(value)) e.invalid(field, value, DNS1123_SUBDOMAIN_MSG);
}

/** A label or annotation key: `[prefix/]name`. */
export function checkQualifiedName(key: string, field: string, e: Errors): void {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) e.invalid(field, key, 'prefix part must be non-empty');
    else if (!dns1123Subdomain.test(prefix) || prefix.length > 253)
      e.invalid(field, key, `prefix part ${DNS1123_SUBDOMAIN_MSG}`);
  } else if (parts.length > 2) {
    e.invalid(
      field,
      key,
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    );
    return;
  }
  if (name.length === 0) e.invalid(field, key, 'name part must be non-empty');
  else if (name.length > 63) e.invalid(field, key, 'name part must be no more than 63 characters');
  else if (!qualifiedNamePart.test(name))
    e.invalid(
      field,
      key,
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
}

export function checkLabels(labels: Json | undefined, field: string, e: Errors): void {
  const map = obj(labels);
  if (!map) return;
  for (const [k, v] of Object.entries(map)) {
    checkQualifiedName(k, field, e);
    if (typeof v !== 'string') continue;
    if (v.length > 63) e.invalid(field, v, 'must be no more than 63 characters');
    if (!labelValue.test(v))
      e.invalid(
        field,
        v,
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      );
  }
}

export function checkAnnotations(annotations: Json | undefined, field: string, e: Errors): void {
  const map = obj(annotations);
  if (!map) return;
  let size = 0;
  for (const [k, v] of Object.entries(map)) {
    checkQualifiedName(k.toLowerCase(), field, e);
    size += k.length + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > 256 * 1024) e.tooLong(field, 'may not be more than 262144 bytes');
}

/** IANA_SVC_NAME: port names of containers and Services. */
function checkPortName(name: string, field: string, e: Errors): void {
  if (name.length > 15) e.invalid(field, name, 'must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name))
    e.invalid(field, name, 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (name.includes('--')) e.invalid(field, name, 'must not contain consecutive hyphens');
  if (!/[a-z]/.test(name)) e.invalid(field, name, 'must contain at least one letter (a-z)');
  if (name.startsWith('-') || name.endsWith('-'))
    e.invalid(field, name, 'must not begin or end with a hyphen');
}

const portRange = 'must be between 1 and 65535, inclusive';

function checkPortNumber(v: Json | undefined, field: string, e: Errors, required = true): void {
  if (v === undefined || v === 0) {
    if (required) e.required(field);
    return;
  }
  if (typeof v === 'number' && (v < 1 || v > 65535)) e.invalid(field, v, portRange);
}

/** A Service targetPort or probe port: a number in range or an IANA_SVC_NAME. */
function checkIntOrPortName(v: Json | undefined, field: string, e: Errors): void {
  if (typeof v === 'number') checkPortNumber(v, field, e);
  else if (typeof v === 'string') checkPortName(v, field, e);
}

function nonNegative(v: Json | undefined, field: string, e: Errors): void {
  if (typeof v === 'number' && v < 0) e.invalid(field, v, 'must be greater than or equal to 0');
}

const standardResources = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage']);

function checkResources(r: Obj | undefined, field: string, e: Errors): void {
  if (!r) return;
  const limits = obj(r.limits) ?? {};
  const requests = obj(r.requests) ?? {};
  for (const [which, map] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const [name, q] of Object.entries(map)) {
      const at = `${field}.${which}[${name}]`;
      if (!standardResources.has(name) && !name.includes('/') && !name.startsWith('hugepages-'))
        e.invalid(at, name, 'must be a standard resource type or fully qualified');
      if (typeof q !== 'string' && typeof q !== 'number') continue;
      const parsed = parseQuantity(q);
      if (parsed && parsed.nanos < 0n) e.invalid(at, q, 'must be greater than or equal to 0');
    }
  }
  for (const [name, req] of Object.entries(requests)) {
    const lim = limits[name];
    if (lim === undefined || (typeof req !== 'string' && typeof req !== 'number')) continue;
    if (typeof lim !== 'string' && typeof lim !== 'number') continue;
    if (compareQuantities(req, lim) === 1)
      e.invalid(
        `${field}.requests`,
        String(req),
        `must be less than or equal to ${name} limit of ${String(lim)}`,
      );
  }
}

const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

function checkProbe(p: Obj | undefined, field: string, needsOneSuccess: boolean, e: Errors): void {
  if (!p) return;
  const set = handlers.filter((h) => p[h] !== undefined && p[h] !== null);
  if (set.length === 0) e.required(field, 'must specify a handler type');
  else if (set.length > 1) e.forbidden(`${field}.${set[1]!}`, 'may not specify more than 1 handler type');
  for (const f of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ])
    nonNegative(p[f], `${field}.${f}`, e);
  if (needsOneSuccess && typeof p.successThreshold === 'number' && p.successThreshold !== 1)
    e.invalid(`${field}.successThreshold`, p.successThreshold, 'must be 1');
  const http = obj(p.httpGet);
  if (http) checkIntOrPortName(http.port, `${field}.httpGet.port`, e);
  const tcp = obj(p.tcpSocket);
  if (tcp) checkIntOrPortName(tcp.port, `${field}.tcpSocket.port`, e);
}

/** In the order the upstream validator checks them (the second one found is the one named). */
const volumeSources = [
  'emptyDir',
  'hostPath',
  'gitRepo',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'flocker',
  'persistentVolumeClaim',
  'rbd',
  'quobyte',
  'cephfs',
  'cinder',
  'downwardAPI',
  'fc',
  'flexVolume',
  'configMap',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'storageos',
  'projected',
  'scaleIO',
  'csi',
  'ephemeral',
  'image',
];

function checkKeyToPath(items: Json | undefined, field: string, e: Errors): void {
  for (const [item, i] of objs(items)) {
    if (!str(item, 'key')) e.required(`${field}.items[${i}].key`);
    const path = str(item, 'path');
    if (!path) e.required(`${field}.items[${i}].path`);
    else if (path.startsWith('/')) e.invalid(`${field}.items[${i}].path`, path, 'must be a relative path');
    else if (path.split('/').includes('..'))
      e.invalid(`${field}.items[${i}].path`, path, "must not contain '..'");
  }
}

function checkVolumes(spec: Obj, field: string, e: Errors): Set<string> {
  const names = new Set<string>();
  for (const [v, i] of objs(spec.volumes)) {
    const at = `${field}.volumes[${i}]`;
    const name = str(v, 'name');
    if (!name) e.required(`${at}.name`);
    else {
      checkLabel(name, `${at}.name`, e);
      if (names.has(name)) e.duplicate(`${at}.name`, name);
      names.add(name);
    }
    const sources = volumeSources.filter((s) => v[s] !== undefined && v[s] !== null);
    if (sources.length === 0) e.required(at, 'must specify a volume type');
    else if (sources.length > 1)
      e.forbidden(`${at}.${sources[1]!}`, 'may not specify more than 1 volume type');
    for (const s of ['configMap', 'secret']) {
      const src = obj(v[s]);
      if (!src) continue;
      if (s === 'secret' && !str(src, 'secretName')) e.required(`${at}.secret.secretName`);
      checkKeyToPath(src.items, `${at}.${s}`, e);
    }
    const pvc = obj(v.persistentVolumeClaim);
    if (pvc && !str(pvc, 'claimName')) e.required(`${at}.persistentVolumeClaim.claimName`);
    const hostPath = obj(v.hostPath);
    if (hostPath && !str(hostPath, 'path')) e.required(`${at}.hostPath.path`);
    const projected = obj(v.projected);
    if (projected) {
      for (const [src, j] of objs(projected.sources)) {
        const kinds = [
          'secret',
          'configMap',
          'downwardAPI',
          'serviceAccountToken',
          'clusterTrustBundle',
        ].filter((k) => src[k] !== undefined);
        const sat = `${at}.projected.sources[${j}]`;
        if (kinds.length > 1)
          e.forbidden(`${sat}.${kinds[1]!}`, 'may not specify more than 1 volume type per source');
        if (kinds.length === 0) e.required(sat, 'must specify one volume source');
        for (const k of ['secret', 'configMap'])
          if (obj(src[k])) checkKeyToPath(obj(src[k])!.items, `${sat}.${k}`, e);
      }
    }
  }
  return names;
}

const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const relaxedEnvName = /^[ -<>-~]+$/;

function checkContainer(
  c: Obj,
  at: string,
  volumes: Set<string>,
  portNames: Set<string>,
  hostNetwork: boolean,
  init: boolean,
  e: Errors,
): void {
  const name = str(c, 'name');
  if (!name) e.required(`${at}.name`);
  else checkLabel(name, `${at}.name`, e);
  if (!str(c, 'image')) e.required(`${at}.image`);
  const policy = c.imagePullPolicy;
  if (policy !== undefined && !pullPolicies.includes(String(policy)))
    e.notSupported(`${at}.imagePullPolicy`, policy, pullPolicies);
  const tmp = c.terminationMessagePolicy;
  if (tmp !== undefined && tmp !== 'File' && tmp !== 'FallbackToLogsOnError')
    e.notSupported(`${at}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']);
  for (const [p, i] of objs(c.ports)) {
    const pat = `${at}.ports[${i}]`;
    const pname = str(p, 'name');
    if (pname !== undefined && pname !== '') {
      checkPortName(pname, `${pat}.name`, e);
      if (portNames.has(pname)) e.duplicate(`${pat}.name`, pname);
      portNames.add(pname);
    }
    checkPortNumber(p.containerPort, `${pat}.containerPort`, e);
    checkPortNumber(p.hostPort, `${pat}.hostPort`, e, false);
    const proto = p.protocol;
    if (proto !== undefined && !['SCTP', 'TCP', 'UDP'].includes(String(proto)))
      e.notSupported(`${pat}.protocol`, proto, ['SCTP', 'TCP', 'UDP']);
    if (hostNetwork && p.hostPort !== undefined && p.hostPort !== p.containerPort)
      e.invalid(`${pat}.hostPort`, p.hostPort, 'must match `containerPort` when `hostNetwork` is true');
  }
  for (const [env, i] of objs(c.env)) {
    const eat = `${at}.env[${i}]`;
    const ename = str(env, 'name');
    if (!ename) e.required(`${eat}.name`);
    else if (!relaxedEnvName.test(ename))
      e.invalid(
        `${eat}.name`,
        ename,
        "a valid environment variable name must consist only of printable ASCII characters other than '='",
      );
    const from = obj(env.valueFrom);
    if (from) {
      if (typeof env.value === 'string' && env.value !== '')
        e.invalid(`${eat}.valueFrom`, '', 'may not be specified when `value` is not empty');
      const refs = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter(
        (k) => from[k] !== undefined,
      );
      if (refs.length === 0)
        e.invalid(
          `${eat}.valueFrom`,
          '',
          'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        );
      else if (refs.length > 1)
        e.invalid(`${eat}.valueFrom`, '', 'may not have more than one field specified at a time');
      for (const k of ['configMapKeyRef', 'secretKeyRef']) {
        const ref = obj(from[k]);
        if (ref && !str(ref, 'key')) e.required(`${eat}.valueFrom.${k}.key`);
        if (ref && !str(ref, 'name')) e.required(`${eat}.valueFrom.${k}.name`);
      }
      const fieldRef = obj(from.fieldRef);
      if (fieldRef && !str(fieldRef, 'fieldPath')) e.required(`${eat}.valueFrom.fieldRef.fieldPath`);
    }
  }
  const mountPaths = new Set<string>();
  for (const [m, i] of objs(c.volumeMounts)) {
    const mat = `${at}.volumeMounts[${i}]`;
    const mname = str(m, 'name');
    if (!mname) e.required(`${mat}.name`);
    else if (!volumes.has(mname)) e.notFound(`${mat}.name`, mname);
    const path = str(m, 'mountPath');
    if (!path) e.required(`${mat}.mountPath`);
    else {
      if (mountPaths.has(path)) e.invalid(`${mat}.mountPath`, path, 'must be unique');
      mountPaths.add(path);
    }
    const sub = str(m, 'subPath');
    if (sub && sub.startsWith('/')) e.invalid(`${mat}.subPath`, sub, 'must be a relative path');
    if (sub && sub.split('/').includes('..')) e.invalid(`${mat}.subPath`, sub, "must not contain '..'");
  }
  if (!init) {
    checkProbe(obj(c.livenessProbe), `${at}.livenessProbe`, true, e);
    checkProbe(obj(c.readinessProbe), `${at}.readinessProbe`, false, e);
    checkProbe(obj(c.startupProbe), `${at}.startupProbe`, true, e);
  } else if (c.restartPolicy !== 'Always') {
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe'])
      if (c[p] !== undefined)
        e.forbidden(`${at}.${p}`, 'may not be set for init containers without restartPolicy=Always');
  }
  checkResources(obj(c.resources), `${at}.resources`, e);
}

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

/** A pod spec (of a Pod or a template) at `field`. */
export function checkPodSpec(spec: Obj, field: string, e: Errors): void {
  const volumes = checkVolumes(spec, field, e);
  const containers = arr(spec.containers);
  if (containers.length === 0) e.required(`${field}.containers`);
  const names = new Set<string>();
  const portNames = new Set<string>();
  const hostNetwork = spec.hostNetwork === true;
  for (const list of ['initContainers', 'containers']) {
    for (const [c, i] of objs(spec[list])) {
      const at = `${field}.${list}[${i}]`;
      const name = str(c, 'name');
      if (name) {
        if (names.has(name)) e.duplicate(`${at}.name`, name);
        names.add(name);
      }
      checkContainer(c, at, volumes, portNames, hostNetwork, list === 'initContainers', e);
    }
  }
  const rp = spec.restartPolicy;
  if (rp !== undefined && !restartPolicies.includes(String(rp)))
    e.notSupported(`${field}.restartPolicy`, rp, restartPolicies);
  const dns = spec.dnsPolicy;
  if (dns !== undefined && !dnsPolicies.includes(String(dns)))
    e.notSupported(`${field}.dnsPolicy`, dns, dnsPolicies);
  nonNegative(spec.terminationGracePeriodSeconds, `${field}.terminationGracePeriodSeconds`, e);
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds <= 0)
    e.invalid(
      `${field}.activeDeadlineSeconds`,
      spec.activeDeadlineSeconds,
      'must be between 1 and 2147483647, inclusive',
    );
  const sa = str(spec, 'serviceAccountName');
  if (sa) checkSubdomain(sa, `${field}.serviceAccountName`, e);
  checkLabels(spec.nodeSelector, `${field}.nodeSelector`, e);
  for (const [t, i] of objs(spec.tolerations)) {
    const op = t.operator;
    if (op !== undefined && op !== 'Exists' && op !== 'Equal')
      e.notSupported(`${field}.tolerations[${i}].operator`, op, ['Equal', 'Exists']);
    if (op === 'Exists' && typeof t.value === 'string' && t.value !== '')
      e.invalid(
        `${field}.tolerations[${i}].operator`,
        t.value,
        "value must be empty when `operator` is 'Exists'",
      );
    const effect = t.effect;
    if (
      effect !== undefined &&
      effect !== '' &&
      !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(String(effect))
    )
      e.notSupported(`${field}.tolerations[${i}].effect`, effect, [
        'NoExecute',
        'NoSchedule',
        'PreferNoSchedule',
      ]);
  }
  for (const [s, i] of objs(spec.imagePullSecrets))
    if (!str(s, 'name')) e.required(`${field}.imagePullSecrets[${i}].name`);
}

/** A LabelSelector's own validity (keys, values, operators). */
function checkSelector(sel: Obj, field: string, e: Errors): void {
  checkLabels(sel.matchLabels, `${field}.matchLabels`, e);
  for (const [r, i] of objs(sel.matchExpressions)) {
    const at = `${field}.matchExpressions[${i}]`;
    const op = r.operator;
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(String(op)))
      e.invalid(`${at}.operator`, op, 'not a valid selector operator');
    const values = arr(r.values);
    if ((op === 'In' || op === 'NotIn') && values.length === 0)
      e.required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'");
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0)
      e.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    if (typeof r.key === 'string') checkQualifiedName(r.key, `${at}.key`, e);
  }
}

/** Whether a LabelSelector selects a label set (matchLabels and matchExpressions). */
export function selectorMatches(sel: Obj, labels: Record<string, Json>): boolean {
  const ml = obj(sel.matchLabels) ?? {};
  if (Object.entries(ml).some(([k, v]) => labels[k] !== v)) return false;
  return objs(sel.matchExpressions).every(([r]) => {
    const key = String(r.key);
    const values = arr(r.values).map(String);
    const has = key in labels;
    switch (r.operator) {
      case 'In':
        return has && values.includes(String(labels[key]));
      case 'NotIn':
        return !has || !values.includes(String(labels[key]));
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

function isEmptySelector(sel: Obj): boolean {
  return Object.keys(obj(sel.matchLabels) ?? {}).length === 0 && arr(sel.matchExpressions).length === 0;
}

/** spec.selector + spec.template of a workload controller. */
function checkWorkload(kind: string, spec: Obj, e: Errors, restartAlways: boolean): void {
  const sel = obj(spec.selector);
  if (!sel) e.required('spec.selector');
  else {
    checkSelector(sel, 'spec.selector', e);
    if (isEmptySelector(sel))
      e.invalid('spec.selector', sel, `empty selector is invalid for ${kind.toLowerCase()}`);
  }
  const template = obj(spec.template);
  if (!template) {
    e.required('spec.template');
    return;
  }
  const meta = obj(template.metadata) ?? {};
  const labels = obj(meta.labels) ?? {};
  checkLabels(meta.labels, 'spec.template.metadata.labels', e);
  checkAnnotations(meta.annotations, 'spec.template.metadata.annotations', e);
  if (sel && !isEmptySelector(sel) && !selectorMatches(sel, labels))
    e.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`');
  const podSpec = obj(template.spec) ?? {};
  checkPodSpec(podSpec, 'spec.template.spec', e);
  if (restartAlways && podSpec.restartPolicy !== undefined && podSpec.restartPolicy !== 'Always')
    e.notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy, ['Always']);
  if (typeof spec.replicas === 'number') nonNegative(spec.replicas, 'spec.replicas', e);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', e);
  nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', e);
}

function intOrPercent(v: Json | undefined, field: string, e: Errors): number | undefined {
  if (typeof v === 'number') {
    nonNegative(v, field, e);
    return v;
  }
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    e.invalid(
      field,
      v,
      "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    );
    return undefined;
  }
  const n = Number(m[1]);
  if (n > 100) e.invalid(field, v, 'must not be greater than 100%');
  return n;
}

function checkDeployment(spec: Obj, e: Errors): void {
  checkWorkload('Deployment', spec, e, true);
  const strategy = obj(spec.strategy);
  if (strategy) {
    const type = strategy.type;
    if (type !== undefined && type !== 'Recreate' && type !== 'RollingUpdate')
      e.notSupported('spec.strategy.type', type, ['Recreate', 'RollingUpdate']);
    if (type === 'Recreate' && strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null)
      e.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'");
    const ru = obj(strategy.rollingUpdate);
    if (ru && type !== 'Recreate') {
      const unavailable = intOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', e);
      const surge = intOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge', e);
      if (unavailable === 0 && surge === 0)
        e.invalid(
          'spec.strategy.rollingUpdate.maxUnavailable',
          ru.maxUnavailable,
          'may not be 0 when `maxSurge` is 0',
        );
    }
  }
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number' && pds <= (typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0))
    e.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds');
}

function checkStatefulSet(spec: Obj, e: Errors): void {
  checkWorkload('StatefulSet', spec, e, true);
  const pmp = spec.podManagementPolicy;
  if (pmp !== undefined && pmp !== 'OrderedReady' && pmp !== 'Parallel')
    e.notSupported('spec.podManagementPolicy', pmp, ['OrderedReady', 'Parallel']);
  const us = obj(spec.updateStrategy);
  if (us) {
    if (us.type !== undefined && us.type !== 'RollingUpdate' && us.type !== 'OnDelete')
      e.notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']);
    if (us.type === 'OnDelete' && us.rollingUpdate !== undefined)
      e.invalid(
        'spec.updateStrategy.rollingUpdate',
        us.rollingUpdate,
        "only allowed for updateStrategy 'RollingUpdate'",
      );
  }
  for (const [t, i] of objs(spec.volumeClaimTemplates)) {
    const at = `spec.volumeClaimTemplates[${i}]`;
    const name = str(obj(t.metadata) ?? {}, 'name');
    if (!name) e.required(`${at}.metadata.name`);
    checkPvcSpec(obj(t.spec) ?? {}, `${at}.spec`, e);
  }
  const names = new Set(objs(spec.volumeClaimTemplates).map(([t]) => str(obj(t.metadata) ?? {}, 'name')));
  // Mounts may name a claim template instead of a pod volume.
  e.list.splice(
    0,
    e.list.length,
    ...e.list.filter(
      (x) => !(x.type === 'FieldValueNotFound' && x.field.endsWith('.name') && names.has(String(x.value))),
    ),
  );
}

function checkDaemonSet(spec: Obj, e: Errors): void {
  checkWorkload('DaemonSet', spec, e, true);
  const us = obj(spec.updateStrategy);
  if (us && us.type !== undefined && us.type !== 'RollingUpdate' && us.type !== 'OnDelete')
    e.notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']);
}

function checkJobSpec(spec: Obj, prefix: string, e: Errors): void {
  const template = obj(spec.template);
  if (!template) {
    e.required(`${prefix}.template`);
    return;
  }
  const podSpec = obj(template.spec) ?? {};
  checkPodSpec(podSpec, `${prefix}.template.spec`, e);
  const rp = podSpec.restartPolicy;
  if (rp !== 'OnFailure' && rp !== 'Never') {
    if (rp === undefined)
      e.required(`${prefix}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"');
    else e.notSupported(`${prefix}.template.spec.restartPolicy`, rp, ['OnFailure', 'Never']);
  }
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished'])
    nonNegative(spec[f], `${prefix}.${f}`, e);
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds <= 0)
    e.invalid(`${prefix}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be greater than 0');
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed')
    e.notSupported(`${prefix}.completionMode`, mode, ['NonIndexed', 'Indexed']);
  const sel = obj(spec.selector);
  if (sel && spec.manualSelector === true) {
    const labels = obj(obj(template.metadata)?.labels) ?? {};
    if (!selectorMatches(sel, labels))
      e.invalid(`${prefix}.template.metadata.labels`, labels, '`selector` does not match template `labels`');
  }
}

function checkCronSchedule(schedule: string, e: Errors): void {
  if (schedule.startsWith('@')) {
    if (
      !['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'].includes(schedule) &&
      !schedule.startsWith('@every ')
    )
      e.invalid('spec.schedule', schedule, `unrecognized descriptor: ${schedule}`);
    return;
  }
  const fields = schedule.trim().split(/\s+/);
  if (/TZ=|CRON_TZ=/.test(schedule)) {
    e.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    return;
  }
  if (fields.length !== 5) {
    e.invalid('spec.schedule', schedule, `expected exactly 5 fields, found ${fields.length}: ${schedule}`);
    return;
  }
  const ranges: [number, number][] = [
    [0, 59],
    [0, 23],
    [1, 31],
    [1, 12],
    [0, 7],
  ];
  fields.forEach((f, i) => {
    for (const part of f.split(',')) {
      const [range, step] = part.split('/');
      if (step !== undefined && !/^\d+$/.test(step)) {
        e.invalid(
          'spec.schedule',
          schedule,
          `failed to parse int from ${step}: strconv.Atoi: parsing "${step}": invalid syntax`,
        );
        return;
      }
      if (range === '*' || range === '?') continue;
      for (const n of (range ?? '').split('-')) {
        if (/^[A-Za-z]{3}$/.test(n) && (i === 3 || i === 4)) continue;
        if (!/^\d+$/.test(n)) {
          e.invalid(
            'spec.schedule',
            schedule,
            `failed to parse int from ${n}: strconv.Atoi: parsing "${n}": invalid syntax`,
          );
          return;
        }
        const v = Number(n);
        const [lo, hi] = ranges[i]!;
        if (v < lo || v > hi) {
          e.invalid(
            'spec.schedule',
            schedule,
            `end of range (${v}) above maximum (${hi}): ${f}`.replace(
              /end of range \((\d+)\) above maximum/,
              v < lo ? `beginning of range ($1) below minimum (${lo})` : 'end of range ($1) above maximum',
            ),
          );
          return;
        }
      }
    }
  });
}

function checkCronJob(o: Obj, spec: Obj, e: Errors): void {
  const name = str(obj(o.metadata) ?? {}, 'name') ?? '';
  if (name.length > 52) e.invalid('metadata.name', name, 'must be no more than 52 characters');
  const schedule = str(spec, 'schedule');
  if (!schedule) e.required('spec.schedule');
  else checkCronSchedule(schedule, e);
  const cp = spec.concurrencyPolicy;
  if (cp !== undefined && !['Allow', 'Forbid', 'Replace'].includes(String(cp)))
    e.notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']);
  for (const f of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit', 'startingDeadlineSeconds'])
    nonNegative(spec[f], `spec.${f}`, e);
  const jt = obj(spec.jobTemplate);
  if (!jt) e.required('spec.jobTemplate');
  else checkJobSpec(obj(jt.spec) ?? {}, 'spec.jobTemplate.spec', e);
}

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

function checkService(spec: Obj, e: Errors): void {
  const type = spec.type ?? 'ClusterIP';
  if (!serviceTypes.includes(String(type))) e.notSupported('spec.type', type, serviceTypes);
  const ports = objs(spec.ports);
  if (type === 'ExternalName') {
    const en = str(spec, 'externalName');
    if (!en) e.required('spec.externalName');
    else checkSubdomain(en, 'spec.externalName', e);
  } else if (ports.length === 0 && spec.clusterIP !== 'None') e.required('spec.ports');
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const [p, i] of ports) {
    const at = `spec.ports[${i}]`;
    const name = str(p, 'name');
    if (ports.length > 1 && !name) e.required(`${at}.name`);
    if (name) {
      // A Service port name is a DNS-1123 label (`80-8080`, as kubectl create service names
      // them, is valid); IANA_SVC_NAME applies to container ports and targetPort names only.
      checkLabel(name, `${at}.name`, e);
      if (names.has(name)) e.duplicate(`${at}.name`, name);
      names.add(name);
    }
    checkPortNumber(p.port, `${at}.port`, e);
    const proto = p.protocol ?? 'TCP';
    if (!['SCTP', 'TCP', 'UDP'].includes(String(proto)))
      e.notSupported(`${at}.protocol`, proto, ['SCTP', 'TCP', 'UDP']);
    const key = `${String(p.port)}/${String(proto)}`;
    if (keys.has(key)) e.duplicate(at, { port: p.port ?? null, protocol: proto });
    keys.add(key);
    if (p.targetPort !== undefined) checkIntOrPortName(p.targetPort, `${at}.targetPort`, e);
    if (p.nodePort !== undefined && p.nodePort !== 0 && (type === 'ClusterIP' || type === 'ExternalName'))
      e.forbidden(`${at}.nodePort`, `may not be used when \`type\` is '${String(type)}'`);
  }
  checkLabels(spec.selector, 'spec.selector', e);
  const sa = spec.sessionAffinity;
  if (sa !== undefined && sa !== 'None' && sa !== 'ClientIP')
    e.notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']);
  if (
    type === 'ExternalName' &&
    typeof spec.clusterIP === 'string' &&
    spec.clusterIP !== '' &&
    spec.clusterIP !== 'None'
  )
    e.forbidden('spec.clusterIPs', 'may not be set for ExternalName services');
}

function checkIngress(spec: Obj, e: Errors): void {
  const rules = objs(spec.rules);
  if (rules.length === 0 && !obj(spec.defaultBackend))
    e.invalid('spec', {}, 'either `defaultBackend` or `rules` must be specified');
  for (const [r, i] of rules) {
    const host = str(r, 'host');
    if (host) {
      const bare = host.startsWith('*.') ? host.slice(2) : host;
      if (!dns1123Subdomain.test(bare))
        e.invalid(
          `spec.rules[${i}].host`,
          host,
          host.startsWith('*.')
            ? "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            : DNS1123_SUBDOMAIN_MSG,
        );
    }
    const http = obj(r.http);
    if (!http) continue;
    const paths = objs(http.paths);
    if (paths.length === 0) e.required(`spec.rules[${i}].http.paths`);
    for (const [p, j] of paths) {
      const at = `spec.rules[${i}].http.paths[${j}]`;
      const pt = p.pathType;
      if (pt === undefined || pt === null) e.required(`${at}.pathType`, 'pathType must be specified');
      else if (!['Exact', 'ImplementationSpecific', 'Prefix'].includes(String(pt)))
        e.notSupported(`${at}.pathType`, pt, ['Exact', 'ImplementationSpecific', 'Prefix']);
      const path = str(p, 'path');
      if (path !== undefined && !path.startsWith('/'))
        e.invalid(`${at}.path`, path, 'must be an absolute path');
      checkIngressBackend(obj(p.backend), `${at}.backend`, e);
    }
  }
  const def = obj(spec.defaultBackend);
  if (def) checkIngressBackend(def, 'spec.defaultBackend', e);
}

function checkIngressBackend(b: Obj | undefined, at: string, e: Errors): void {
  if (!b) {
    e.required(at);
    return;
  }
  const svc = obj(b.service);
  if (svc && b.resource !== undefined) e.invalid(at, '', 'cannot set both resource and service backends');
  if (!svc && b.resource === undefined) e.invalid(at, '', 'resource or service backend is required');
  if (!svc) return;
  const name = str(svc, 'name');
  if (!name) e.required(`${at}.service.name`);
  else checkLabel(name, `${at}.service.name`, e);
  const port = obj(svc.port);
  const hasName = port && typeof port.name === 'string' && port.name !== '';
  const hasNumber = port && typeof port.number === 'number' && port.number !== 0;
  if (hasName && hasNumber) e.invalid(`${at}.service.port`, '', 'cannot set both port name & port number');
  else if (hasName) checkPortName(String(port.name), `${at}.service.port.name`, e);
  else if (hasNumber) checkPortNumber(port.number, `${at}.service.port.number`, e);
  else e.invalid(`${at}.service.port`, '', 'port name or number is required');
}

function checkPdb(spec: Obj, e: Errors): void {
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
    e.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set');
  if (spec.minAvailable !== undefined) intOrPercent(spec.minAvailable, 'spec.minAvailable', e);
  if (spec.maxUnavailable !== undefined) intOrPercent(spec.maxUnavailable, 'spec.maxUnavailable', e);
  const sel = obj(spec.selector);
  if (sel) checkSelector(sel, 'spec.selector', e);
  const p = spec.unhealthyPodEvictionPolicy;
  if (p !== undefined && p !== 'IfHealthyBudget' && p !== 'AlwaysAllow')
    e.notSupported('spec.unhealthyPodEvictionPolicy', p, ['AlwaysAllow', 'IfHealthyBudget']);
}

const configKey = /^[-._a-zA-Z0-9]+$/;

function checkDataKeys(o: Obj, kind: string, e: Errors): void {
  const seen = new Set<string>();
  let size = 0;
  for (const field of kind === 'Secret' ? ['data'] : ['data', 'binaryData']) {
    const map = obj(o[field]);
    if (!map) continue;
    for (const [k, v] of Object.entries(map)) {
      const at = `${field}[${k}]`;
      if (!configKey.test(k) || k.length > 253)
        e.invalid(
          at,
          k,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        );
      else if (k === '.' || k === '..') e.invalid(at, k, `must not be '${k}'`);
      else if (k.startsWith('..')) e.invalid(at, k, "must not start with '..'");
      if (seen.has(k)) e.invalid(at, k, 'duplicate of key present in binaryData');
      seen.add(k);
      size +=
        k.length +
        (typeof v === 'string'
          ? kind === 'Secret'
            ? Math.floor((v.length * 3) / 4)
            : Buffer.byteLength(v)
          : 0);
    }
  }
  if (size > 1024 * 1024) e.tooLong(kind === 'Secret' ? 'data' : '', 'must have at most 1048576 bytes');
  if (kind !== 'Secret') return;
  const data = obj(o.data) ?? {};
  const type = str(o, 'type') ?? 'Opaque';
  const need = (key: string): void => {
    if (data[key] === undefined) e.required(`data[${key}]`);
  };
  switch (type) {
    case 'kubernetes.io/tls':
      need('tls.key');
      need('tls.crt');
      break;
    case 'kubernetes.io/dockerconfigjson':
      need('.dockerconfigjson');
      break;
    case 'kubernetes.io/dockercfg':
      need('.dockercfg');
      break;
    case 'kubernetes.io/basic-auth':
      if (data.username === undefined && data.password === undefined) e.required('data[username]');
      break;
    case 'kubernetes.io/ssh-auth':
      need('ssh-privatekey');
      break;
    case 'kubernetes.io/service-account-token': {
      const ann = obj(obj(o.metadata)?.annotations) ?? {};
      if (!ann['kubernetes.io/service-account.name'])
        e.required('metadata.annotations[kubernetes.io/service-account.name]');
      break;
    }
    default:
      break;
  }
}

const rbacGroup = 'rbac.authorization.k8s.io';

function checkRules(rules: Json | undefined, namespaced: boolean, e: Errors): void {
  for (const [r, i] of objs(rules)) {
    const at = `rules[${i}]`;
    if (arr(r.verbs).length === 0) e.required(`${at}.verbs`, 'verbs must contain at least one value');
    const urls = arr(r.nonResourceURLs);
    if (urls.length > 0) {
      if (namespaced)
        e.invalid(`${at}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs');
      if (arr(r.apiGroups).length > 0 || arr(r.resources).length > 0)
        e.invalid(
          `${at}.nonResourceURLs`,
          urls,
          'rules cannot apply to both regular resources and non-resource URLs',
        );
      continue;
    }
    if (arr(r.apiGroups).length === 0)
      e.required(`${at}.apiGroups`, 'resource rules must supply at least one api group');
    if (arr(r.resources).length === 0)
      e.required(`${at}.resources`, 'resource rules must supply at least one resource');
  }
}

function checkBinding(o: Obj, cluster: boolean, e: Errors): void {
  const ref = obj(o.roleRef);
  if (!ref) {
    e.required('roleRef');
  } else {
    if (ref.apiGroup !== rbacGroup) e.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [rbacGroup]);
    const kinds = cluster ? ['ClusterRole'] : ['Role', 'ClusterRole'];
    if (!kinds.includes(String(ref.kind))) e.notSupported('roleRef.kind', ref.kind ?? '', kinds);
    if (!str(ref, 'name')) e.required('roleRef.name');
  }
  for (const [s, i] of objs(o.subjects)) {
    const at = `subjects[${i}]`;
    if (!str(s, 'name')) e.required(`${at}.name`);
    switch (s.kind) {
      case 'ServiceAccount':
        if (s.apiGroup !== undefined && s.apiGroup !== '') e.notSupported(`${at}.apiGroup`, s.apiGroup, ['']);
        if (cluster && !str(s, 'namespace')) e.required(`${at}.namespace`);
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== rbacGroup) e.notSupported(`${at}.apiGroup`, s.apiGroup ?? '', [rbacGroup]);
        break;
      default:
        e.notSupported(`${at}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']);
    }
  }
}

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

function checkPvcSpec(spec: Obj, at: string, e: Errors): void {
  const modes = arr(spec.accessModes);
  if (modes.length === 0) e.required(`${at}.accessModes`, 'at least 1 access mode is required');
  for (const m of modes)
    if (!accessModes.includes(String(m))) e.notSupported(`${at}.accessModes`, m, accessModes);
  if (modes.includes('ReadWriteOncePod') && modes.length > 1)
    e.forbidden(`${at}.accessModes`, 'may not use ReadWriteOncePod with other access modes');
  const storage = obj(obj(spec.resources)?.requests)?.storage;
  if (storage === undefined) e.required(`${at}.resources[storage]`);
  else if (
    (typeof storage === 'string' || typeof storage === 'number') &&
    (parseQuantity(storage)?.nanos ?? 1n) <= 0n
  )
    e.invalid(`${at}.resources[storage]`, String(storage), 'must be greater than zero');
  const vm = spec.volumeMode;
  if (vm !== undefined && vm !== 'Block' && vm !== 'Filesystem')
    e.notSupported(`${at}.volumeMode`, vm, ['Block', 'Filesystem']);
  const sel = obj(spec.selector);
  if (sel) checkSelector(sel, `${at}.selector`, e);
}

function checkHpa(spec: Obj, e: Errors): void {
  const ref = obj(spec.scaleTargetRef);
  if (!ref || !str(ref, 'kind')) e.required('spec.scaleTargetRef.kind');
  if (!ref || !str(ref, 'name')) e.required('spec.scaleTargetRef.name');
  const max = spec.maxReplicas;
  const min = spec.minReplicas ?? 1;
  if (typeof max !== 'number' || max < 1) e.invalid('spec.maxReplicas', max ?? 0, 'must be greater than 0');
  else if (typeof min === 'number' && max < min)
    e.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`');
  if (typeof min === 'number' && min < 1)
    e.invalid('spec.minReplicas', min, 'must be greater than or equal to 1');
}

function checkNetworkPolicy(spec: Obj, e: Errors): void {
  if (!obj(spec.podSelector)) e.required('spec.podSelector');
  else checkSelector(obj(spec.podSelector)!, 'spec.podSelector', e);
  for (const t of arr(spec.policyTypes))
    if (t !== 'Ingress' && t !== 'Egress') e.notSupported('spec.policyTypes', t, ['Ingress', 'Egress']);
  for (const dir of ['ingress', 'egress']) {
    for (const [rule, i] of objs(spec[dir])) {
      for (const [p, j] of objs(rule.ports)) {
        const at = `spec.${dir}[${i}].ports[${j}]`;
        if (p.protocol !== undefined && !['SCTP', 'TCP', 'UDP'].includes(String(p.protocol)))
          e.notSupported(`${at}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']);
        if (p.port !== undefined) checkIntOrPortName(p.port, `${at}.port`, e);
      }
    }
  }
}

function checkIngressClass(spec: Obj, e: Errors): void {
  const controller = str(spec, 'controller');
  if (!controller) {
    e.required('spec.controller');
    return;
  }
  if (controller.length > 250) e.tooLong('spec.controller', 'may not be more than 250 bytes');
  const [domain, ...path] = controller.split('/');
  if (path.length === 0 || path.join('/') === '' || !dns1123Subdomain.test(domain ?? ''))
    e.invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")');
}

function checkStorageClass(o: Obj, e: Errors): void {
  const provisioner = str(o, 'provisioner');
  if (!provisioner) e.required('provisioner');
  const policy = o.reclaimPolicy;
  if (policy !== undefined && policy !== 'Delete' && policy !== 'Retain')
    e.notSupported('reclaimPolicy', policy, ['Delete', 'Retain']);
  const mode = o.volumeBindingMode;
  if (mode !== undefined && mode !== 'Immediate' && mode !== 'WaitForFirstConsumer')
    e.notSupported('volumeBindingMode', mode, ['Immediate', 'WaitForFirstConsumer']);
}

function checkPriorityClass(o: Obj, e: Errors): void {
  const name = str(obj(o.metadata) ?? {}, 'name') ?? '';
  if (name.startsWith('system-'))
    e.forbidden('metadata.name', "priority class names with 'system-' prefix are reserved");
  const policy = o.preemptionPolicy;
  if (policy !== undefined && policy !== 'Never' && policy !== 'PreemptLowerPriority')
    e.notSupported('preemptionPolicy', policy, ['Never', 'PreemptLowerPriority']);
}

/** The checks of one kind, on a defaulted object. */
export function checkKind(kind: string, o: Obj, e: Errors): void {
  const spec = obj(o.spec) ?? {};
  switch (kind) {
    case 'Deployment':
      return checkDeployment(spec, e);
    case 'StatefulSet':
      return checkStatefulSet(spec, e);
    case 'DaemonSet':
      return checkDaemonSet(spec, e);
    case 'ReplicaSet':
      return checkWorkload('ReplicaSet', spec, e, true);
    case 'Job':
      return checkJobSpec(spec, 'spec', e);
    case 'CronJob':
      return checkCronJob(o, spec, e);
    case 'Pod':
      return checkPodSpec(spec, 'spec', e);
    case 'Service':
      return checkService(spec, e);
    case 'Ingress':
      return checkIngress(spec, e);
    case 'PodDisruptionBudget':
      return checkPdb(spec, e);
    case 'ConfigMap':
    case 'Secret':
      return checkDataKeys(o, kind, e);
    case 'Role':
      return checkRules(o.rules, true, e);
    case 'ClusterRole':
      return checkRules(o.rules, false, e);
    case 'RoleBinding':
      return checkBinding(o, false, e);
    case 'ClusterRoleBinding':
      return checkBinding(o, true, e);
    case 'PersistentVolumeClaim':
      return checkPvcSpec(spec, 'spec', e);
    case 'HorizontalPodAutoscaler':
      return checkHpa(spec, e);
    case 'NetworkPolicy':
      return checkNetworkPolicy(spec, e);
    case 'IngressClass':
      return checkIngressClass(spec, e);
    case 'StorageClass':
      return checkStorageClass(o, e);
    case 'PriorityClass':
      return checkPriorityClass(o, e);
    case 'ServiceAccount':
      for (const [s, i] of objs(o.imagePullSecrets))
        if (!str(s, 'name')) e.required(`imagePullSecrets[${i}].name`);
      return;
    default:
      return;
  }
}

function get(o: Obj, path: string): Json | undefined {
  let cur: Json | undefined = o;
  for (const p of path.split('.')) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
}

function withoutKeys(o: Json | undefined, keys: string[]): Json | undefined {
  if (!isObject(o)) return o;
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** Fields an update may not change, with the real messages. */
export function checkUpdate(kind: string, o: Obj, prev: Obj, e: Errors): void {
  const immutable = (path: string, detail = 'field is immutable'): void => {
    const before = get(prev, path);
    const after = get(o, path);
    if (before !== undefined && !deepEqual(before, after)) e.invalid(path, after ?? null, detail);
  };
  switch (kind) {
    case 'Deployment':
    case 'DaemonSet':
    case 'ReplicaSet':
      immutable('spec.selector');
      break;
    case 'StatefulSet': {
      const mutable = [
        'replicas',
        'ordinals',
        'template',
        'updateStrategy',
        'persistentVolumeClaimRetentionPolicy',
        'minReadySeconds',
      ];
      if (!deepEqual(withoutKeys(prev.spec, mutable), withoutKeys(o.spec, mutable)))
        e.forbidden(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        );
      break;
    }
    case 'Job': {
      // The scheduling directives of a suspended Job's template may change; nothing else may.
      immutable('spec.selector');
      immutable('spec.completions');
      immutable('spec.completionMode');
      const suspended = get(prev, 'spec.suspend') === true;
      const strip = (t: Json | undefined): Json | undefined => {
        if (!suspended || !isObject(t)) return t;
        const spec = withoutKeys(t.spec, ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates']);
        const meta = withoutKeys(t.metadata, ['labels', 'annotations']);
        return { ...t, spec: spec ?? null, metadata: meta ?? null };
      };
      if (!deepEqual(strip(get(prev, 'spec.template')), strip(get(o, 'spec.template'))))
        e.invalid('spec.template', get(o, 'spec.template') ?? null, 'field is immutable');
      break;
    }
    case 'CronJob':
      break;
    case 'Service': {
      const before = get(prev, 'spec.clusterIP');
      const after = get(o, 'spec.clusterIP');
      const type = get(o, 'spec.type');
      const prevType = get(prev, 'spec.type');
      if (type === 'ExternalName' || prevType === 'ExternalName') break;
      if (typeof before === 'string' && before !== '' && after !== before)
        e.invalid('spec.clusterIPs[0]', [String(after ?? '')], 'may not change once set');
      break;
    }
    case 'ConfigMap':
    case 'Secret': {
      if (prev.immutable === true) {
        for (const f of kind === 'Secret' ? ['data'] : ['data', 'binaryData'])
          if (!deepEqual(prev[f], o[f])) e.forbidden(f, 'field is immutable when `immutable` is set');
        if (o.immutable !== true) e.forbidden('immutable', 'field is immutable when `immutable` is set');
      }
      if (kind === 'Secret' && (prev.type ?? 'Opaque') !== (o.type ?? 'Opaque'))
        e.invalid('type', o.type ?? 'Opaque', 'field is immutable');
      break;
    }
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      if (!deepEqual(prev.roleRef, o.roleRef))
        e.invalid('roleRef', o.roleRef ?? null, 'cannot change roleRef');
      break;
    case 'PersistentVolumeClaim': {
      const pspec = obj(prev.spec) ?? {};
      const spec = obj(o.spec) ?? {};
      const bound = get(prev, 'status.phase') === 'Bound';
      const stripResources = (s: Obj): Json | undefined => {
        const requests = withoutKeys(obj(s.resources)?.requests, ['storage']);
        return withoutKeys({ ...s, resources: { ...(obj(s.resources) ?? {}), requests: requests ?? {} } }, [
          'volumeAttributesClassName',
        ]);
      };
      const storageBefore = get(pspec, 'resources.requests.storage');
      const storageAfter = get(spec, 'resources.requests.storage');
      const storageChanged = !deepEqual(storageBefore, storageAfter);
      if (!deepEqual(stripResources(pspec), stripResources(spec)) || (storageChanged && !bound)) {
        e.forbidden(
          'spec',
          'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
        );
        break;
      }
      if (
        storageChanged &&
        (typeof storageBefore === 'string' || typeof storageBefore === 'number') &&
        (typeof storageAfter === 'string' || typeof storageAfter === 'number')
      ) {
        const capacity = get(prev, 'status.capacity.storage');
        const floor = typeof capacity === 'string' || typeof capacity === 'number' ? capacity : storageBefore;
        if (compareQuantities(storageAfter, floor) === -1)
          e.forbidden(
            'spec.resources.requests.storage',
            capacity !== undefined
              ? 'field can not be less than status.capacity'
              : 'field can not be less than previous value',
          );
      }
      break;
    }
    case 'StorageClass':
      for (const f of ['parameters', 'provisioner', 'reclaimPolicy', 'volumeBindingMode'])
        if (!deepEqual(prev[f], o[f])) e.forbidden(f, `updates to ${f} are forbidden.`);
      break;
    case 'PersistentVolume':
      break;
    case 'CustomResourceDefinition':
      if (get(prev, 'spec.scope') !== get(o, 'spec.scope'))
        e.invalid('spec.scope', get(o, 'spec.scope') ?? null, 'field is immutable');
      break;
    default:
      break;
  }
}
