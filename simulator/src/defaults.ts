/**
 * Server-side defaulting for the built-in kinds, matching the values a 1.32 API server fills in.
 * Diffs and applies must cope with these server-set fields the way they must on a real cluster.
 */
import type { Json, JsonObject } from './json.js';
import { child, isObject, str } from './json.js';

function setDefault(obj: JsonObject, key: string, value: Json): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

function defaultContainer(c: JsonObject): void {
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  const image = str(c, 'image') ?? '';
  const tagged = /:[^/]+$/.test(image) || image.includes('@');
  setDefault(c, 'imagePullPolicy', !tagged || image.endsWith(':latest') ? 'Always' : 'IfNotPresent');
  setDefault(c, 'resources', {});
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isObject(p)) setDefault(p, 'protocol', 'TCP');
  if (Array.isArray(c.env)) {
    for (const e of c.env) {
      if (!isObject(e) || !isObject(e.valueFrom)) continue;
      const ref = e.valueFrom.fieldRef;
      if (isObject(ref)) setDefault(ref, 'apiVersion', 'v1');
    }
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = c[probe];
    if (!isObject(p)) continue;
    setDefault(p, 'timeoutSeconds', 1);
    setDefault(p, 'periodSeconds', 10);
    setDefault(p, 'successThreshold', 1);
    setDefault(p, 'failureThreshold', 3);
    if (isObject(p.httpGet)) setDefault(p.httpGet, 'scheme', 'HTTP');
    if (isObject(p.httpGet)) setDefault(p.httpGet, 'path', '/');
  }
}

function defaultVolumes(spec: JsonObject): void {
  if (!Array.isArray(spec.volumes)) return;
  for (const v of spec.volumes) {
    if (!isObject(v)) continue;
    for (const source of ['configMap', 'secret']) {
      const s = v[source];
      if (isObject(s)) setDefault(s, 'defaultMode', 420);
    }
    if (isObject(v.projected)) setDefault(v.projected, 'defaultMode', 420);
  }
}

/** Pod spec defaults (also used inside every workload's template). */
export function defaultPodSpec(spec: JsonObject, restartPolicy = 'Always'): void {
  setDefault(spec, 'restartPolicy', restartPolicy);
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  if (typeof spec.serviceAccountName === 'string')
    setDefault(spec, 'serviceAccount', spec.serviceAccountName);
  for (const list of ['containers', 'initContainers']) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      if (!isObject(c)) continue;
      defaultContainer(c);
      // Under hostNetwork the container's ports are the node's: hostPort defaults to containerPort.
      if (spec.hostNetwork === true && Array.isArray(c.ports))
        for (const p of c.ports) if (isObject(p)) setDefault(p, 'hostPort', p.containerPort ?? null);
    }
  }
  defaultVolumes(spec);
}

function templateSpec(spec: JsonObject): JsonObject | undefined {
  const template = spec.template;
  if (!isObject(template)) return undefined;
  setDefault(template, 'metadata', {});
  return child(template, 'spec');
}

/** A deterministic pseudo cluster IP for a service (10.96.0.0/12, like kubeadm's default). */
export function allocateClusterIp(counter: number): string {
  const n = counter + 10;
  return `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
}

/**
 * A Service whose type changes loses the values the old type needed and the new one does not,
 * when the update left them as they were (the registry's type transition): cluster IPs and IP
 * families when it becomes ExternalName, node ports when it stops being NodePort/LoadBalancer.
 */
function dropTypeDependentFields(s: JsonObject, prevSpec: JsonObject | undefined): void {
  if (!prevSpec || (prevSpec.type ?? 'ClusterIP') === (s.type ?? 'ClusterIP')) return;
  if (s.type === 'ExternalName') {
    for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy'])
      if (s[f] !== undefined && JSON.stringify(s[f]) === JSON.stringify(prevSpec[f])) delete s[f];
  }
  if (s.type !== 'NodePort' && s.type !== 'LoadBalancer' && Array.isArray(s.ports)) {
    const prevPorts = Array.isArray(prevSpec.ports) ? prevSpec.ports.filter(isObject) : [];
    for (const p of s.ports) {
      if (!isObject(p) || p.nodePort === undefined) continue;
      if (prevPorts.some((q) => q.port === p.port && q.nodePort === p.nodePort)) delete p.nodePort;
    }
    if (s.externalTrafficPolicy !== undefined && s.externalTrafficPolicy === prevSpec.externalTrafficPolicy)
      delete s.externalTrafficPolicy;
  }
}

/** What allocation needs from the store. */
export interface AllocationContext {
  /** Allocates the next Service cluster IP. */
  nextClusterIp(): string;
  /** The object's uid (Jobs label their pods with it). */
  uid: string;
}

/**
 * Values the real server allocates in its storage layer, after field ownership is recorded (so
 * no manager owns them): Service cluster IPs and node ports (kept from the stored object when an
 * update omits them), a Job's generated selector, a Namespace's finalizer.
 */
export function allocateValues(obj: JsonObject, prev: JsonObject | undefined, ctx: AllocationContext): void {
  const metadata = child(obj, 'metadata');
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  const prevSpec = prev && isObject(prev.spec) ? prev.spec : {};
  switch (obj.kind) {
    case 'Namespace':
      if (!prev) setDefault(child(obj, 'spec'), 'finalizers', ['kubernetes']);
      else if (prev.spec !== undefined && obj.spec === undefined) obj.spec = prev.spec;
      break;
    case 'Service': {
      const s = child(obj, 'spec');
      dropTypeDependentFields(s, prev ? prevSpec : undefined);
      if (s.type === 'ExternalName') break;
      const keep = prev && prevSpec.type !== 'ExternalName' && typeof prevSpec.clusterIP === 'string';
      if (s.clusterIP === undefined || s.clusterIP === '') {
        s.clusterIP = keep ? (prevSpec.clusterIP as string) : ctx.nextClusterIp();
        if (!keep) delete s.clusterIPs;
      }
      if (s.clusterIPs === undefined)
        s.clusterIPs = Array.isArray(prevSpec.clusterIPs) ? prevSpec.clusterIPs : [s.clusterIP];
      setDefault(s, 'ipFamilies', Array.isArray(prevSpec.ipFamilies) ? prevSpec.ipFamilies : ['IPv4']);
      setDefault(
        s,
        'ipFamilyPolicy',
        typeof prevSpec.ipFamilyPolicy === 'string' ? prevSpec.ipFamilyPolicy : 'SingleStack',
      );
      if ((s.type === 'NodePort' || s.type === 'LoadBalancer') && Array.isArray(s.ports)) {
        const prevPorts = Array.isArray(prevSpec.ports) ? prevSpec.ports.filter(isObject) : [];
        s.ports.forEach((p, i) => {
          if (!isObject(p) || p.nodePort !== undefined) return;
          const old = prevPorts.find((q) => q.port === p.port);
          p.nodePort = old?.nodePort ?? 30000 + ((i * 7 + 13) % 2767);
        });
      }
      break;
    }
    case 'Job': {
      if (!spec) break;
      if (prev) {
        if (spec.selector === undefined && prevSpec.selector !== undefined) spec.selector = prevSpec.selector;
        break;
      }
      if (spec.selector !== undefined) break;
      spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': ctx.uid } };
      const labels = child(child(child(spec, 'template'), 'metadata'), 'labels');
      setDefault(labels, 'batch.kubernetes.io/controller-uid', ctx.uid);
      setDefault(labels, 'batch.kubernetes.io/job-name', str(metadata, 'name') ?? '');
      setDefault(labels, 'controller-uid', ctx.uid);
      setDefault(labels, 'job-name', str(metadata, 'name') ?? '');
      break;
    }
    default:
      break;
  }
}

/** Fills in the server-set defaults of an object in place (the scheme defaults). */
export function applyDefaults(obj: JsonObject): void {
  const kind = obj.kind;
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  const metadata = child(obj, 'metadata');
  switch (kind) {
    case 'Namespace': {
      const labels = child(metadata, 'labels');
      setDefault(labels, 'kubernetes.io/metadata.name', str(metadata, 'name') ?? '');
      setDefault(child(obj, 'status'), 'phase', 'Active');
      break;
    }
    case 'Secret':
      setDefault(obj, 'type', 'Opaque');
      break;
    case 'Service': {
      const s = child(obj, 'spec');
      setDefault(s, 'type', 'ClusterIP');
      setDefault(s, 'sessionAffinity', 'None');
      if (s.type !== 'ExternalName') setDefault(s, 'internalTrafficPolicy', 'Cluster');
      if (s.type === 'NodePort' || s.type === 'LoadBalancer')
        setDefault(s, 'externalTrafficPolicy', 'Cluster');
      if (Array.isArray(s.ports)) {
        for (const p of s.ports) {
          if (!isObject(p)) continue;
          setDefault(p, 'protocol', 'TCP');
          setDefault(p, 'targetPort', p.port ?? 0);
        }
      }
      setDefault(child(obj, 'status'), 'loadBalancer', {});
      break;
    }
    case 'PersistentVolumeClaim': {
      const s = child(obj, 'spec');
      setDefault(s, 'volumeMode', 'Filesystem');
      setDefault(s, 'storageClassName', 'standard');
      setDefault(child(obj, 'status'), 'phase', 'Pending');
      break;
    }
    case 'Pod':
      if (spec) defaultPodSpec(spec);
      setDefault(child(obj, 'status'), 'phase', 'Pending');
      setDefault(child(obj, 'status'), 'qosClass', 'BestEffort');
      break;
    case 'Deployment': {
      const s = child(obj, 'spec');
      setDefault(s, 'replicas', 1);
      const strategy = child(s, 'strategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') {
        const ru = child(strategy, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', '25%');
        setDefault(ru, 'maxSurge', '25%');
      }
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'progressDeadlineSeconds', 600);
      const ps = templateSpec(s);
      if (ps) defaultPodSpec(ps);
      break;
    }
    case 'ReplicaSet': {
      const s = child(obj, 'spec');
      setDefault(s, 'replicas', 1);
      const ps = templateSpec(s);
      if (ps) defaultPodSpec(ps);
      break;
    }
    case 'StatefulSet': {
      const s = child(obj, 'spec');
      setDefault(s, 'replicas', 1);
      setDefault(s, 'podManagementPolicy', 'OrderedReady');
      const strategy = child(s, 'updateStrategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') setDefault(child(strategy, 'rollingUpdate'), 'partition', 0);
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
      if (Array.isArray(s.volumeClaimTemplates)) {
        for (const t of s.volumeClaimTemplates) {
          if (!isObject(t)) continue;
          setDefault(t, 'apiVersion', 'v1');
          setDefault(t, 'kind', 'PersistentVolumeClaim');
          setDefault(child(t, 'spec'), 'volumeMode', 'Filesystem');
          setDefault(t, 'status', { phase: 'Pending' });
        }
      }
      const ps = templateSpec(s);
      if (ps) defaultPodSpec(ps);
      break;
    }
    case 'DaemonSet': {
      const s = child(obj, 'spec');
      const strategy = child(s, 'updateStrategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') {
        const ru = child(strategy, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', 1);
        setDefault(ru, 'maxSurge', 0);
      }
      setDefault(s, 'revisionHistoryLimit', 10);
      const ps = templateSpec(s);
      if (ps) defaultPodSpec(ps);
      break;
    }
    case 'Job': {
      const s = child(obj, 'spec');
      setDefault(s, 'parallelism', 1);
      setDefault(s, 'completions', 1);
      setDefault(s, 'backoffLimit', 6);
      setDefault(s, 'completionMode', 'NonIndexed');
      setDefault(s, 'suspend', false);
      setDefault(s, 'podReplacementPolicy', 'TerminatingOrFailed');
      const ps = templateSpec(s);
      if (ps) defaultPodSpec(ps);
      break;
    }
    case 'CronJob': {
      const s = child(obj, 'spec');
      setDefault(s, 'concurrencyPolicy', 'Allow');
      setDefault(s, 'suspend', false);
      setDefault(s, 'successfulJobsHistoryLimit', 3);
      setDefault(s, 'failedJobsHistoryLimit', 1);
      const jobTemplate = child(s, 'jobTemplate');
      const js = child(jobTemplate, 'spec');
      setDefault(js, 'backoffLimit', 6);
      const ps = templateSpec(js);
      if (ps) defaultPodSpec(ps);
      break;
    }
    case 'Ingress':
      setDefault(child(obj, 'status'), 'loadBalancer', {});
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      if (Array.isArray(obj.subjects)) {
        for (const s of obj.subjects) {
          if (isObject(s) && s.kind === 'ServiceAccount') setDefault(s, 'apiGroup', '');
          else if (isObject(s)) setDefault(s, 'apiGroup', 'rbac.authorization.k8s.io');
        }
      }
      break;
    case 'CustomResourceDefinition': {
      const s = child(obj, 'spec');
      setDefault(s, 'conversion', { strategy: 'None' });
      const names = child(s, 'names');
      if (typeof names.kind === 'string') {
        setDefault(names, 'singular', names.kind.toLowerCase());
        setDefault(names, 'listKind', `${names.kind}List`);
      }
      break;
    }
    default:
      break;
  }
}
