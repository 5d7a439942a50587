/**
 * Server-side printing: `kubectl get` asks for `as=Table` and prints the columns the server
 * chooses. We produce the columns a 1.32 server does for the kinds we serve, and a CRD's
 * additionalPrinterColumns for custom resources.
 */
import type { Json, JsonObject, KubeObject } from './json.js';
import { isObject, str } from './json.js';
import type { ResourceType } from './resources.js';

interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority?: number;
  cell: (o: KubeObject) => Json;
}

/** A duration the way kubectl's AGE column shows it (`45s`, `3m12s`, `5h`, `12d`). */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 730) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

function age(o: KubeObject): string {
  const created = str(o.metadata, 'creationTimestamp');
  return created ? humanDuration(Date.now() - Date.parse(created)) : '<unknown>';
}

function path(o: Json | undefined, ...keys: string[]): Json | undefined {
  let cur = o;
  for (const k of keys) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

function n(v: Json | undefined): number {
  return typeof v === 'number' ? v : 0;
}

const nameColumn: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  cell: (o) => str(o.metadata, 'name') ?? '',
};
const ageColumn: Column = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: age,
};

function col(name: string, cell: (o: KubeObject) => Json, type = 'string', priority = 0): Column {
  return { name, type, description: name, priority, cell };
}

function conditionTrue(o: KubeObject, type: string): boolean {
  const list = path(o, 'status', 'conditions');
  return Array.isArray(list) && list.some((c) => isObject(c) && c.type === type && c.status === 'True');
}

/** What `kubectl get pods` prints as STATUS: the reason a container waits or ended, else the phase. */
function podStatusCell(o: KubeObject): string {
  const phase = String(path(o, 'status', 'phase') ?? 'Pending');
  if (o.metadata.deletionTimestamp) return 'Terminating';
  const inits = path(o, 'status', 'initContainerStatuses');
  const initList = Array.isArray(inits) ? inits.filter(isObject) : [];
  for (const [i, s] of initList.entries()) {
    const waiting = path(s, 'state', 'waiting', 'reason');
    if (typeof waiting === 'string' && waiting !== 'PodInitializing') return `Init:${waiting}`;
    if (path(s, 'state', 'terminated', 'exitCode') !== 0) return `Init:${i}/${initList.length}`;
  }
  let reason = phase;
  const statuses = path(o, 'status', 'containerStatuses');
  for (const s of Array.isArray(statuses) ? statuses.filter(isObject) : []) {
    const waiting = path(s, 'state', 'waiting', 'reason');
    const terminated = path(s, 'state', 'terminated', 'reason');
    if (typeof waiting === 'string') reason = waiting;
    else if (typeof terminated === 'string') reason = terminated;
  }
  return reason;
}

function nodeAddress(o: KubeObject, kind: string): string {
  const list = path(o, 'status', 'addresses');
  const a = Array.isArray(list) ? list.find((x) => isObject(x) && x.type === kind) : undefined;
  return isObject(a) && typeof a.address === 'string' ? a.address : '<none>';
}

function columnsFor(type: ResourceType): Column[] {
  switch (type.kind) {
    case 'Namespace':
      return [nameColumn, col('Status', (o) => String(path(o, 'status', 'phase') ?? '')), ageColumn];
    case 'ConfigMap':
      return [
        nameColumn,
        col(
          'Data',
          (o) =>
            Object.keys(isObject(o.data) ? o.data : {}).length +
            Object.keys(isObject(o.binaryData) ? o.binaryData : {}).length,
          'integer',
        ),
        ageColumn,
      ];
    case 'Secret':
      return [
        nameColumn,
        col('Type', (o) => str(o, 'type') ?? ''),
        col('Data', (o) => Object.keys(isObject(o.data) ? o.data : {}).length, 'integer'),
        ageColumn,
      ];
    case 'ServiceAccount':
      return [
        nameColumn,
        col('Secrets', (o) => (Array.isArray(o.secrets) ? o.secrets.length : 0), 'integer'),
        ageColumn,
      ];
    case 'Service':
      return [
        nameColumn,
        col('Type', (o) => String(path(o, 'spec', 'type') ?? '')),
        col('Cluster-IP', (o) => String(path(o, 'spec', 'clusterIP') ?? '<none>')),
        col('External-IP', () => '<none>'),
        col('Port(s)', (o) => {
          const ports = path(o, 'spec', 'ports');
          if (!Array.isArray(ports) || ports.length === 0) return '<none>';
          return ports
            .filter(isObject)
            .map(
              (p) =>
                `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${String(p.protocol ?? 'TCP')}`,
            )
            .join(',');
        }),
        ageColumn,
        col(
          'Selector',
          (o) => {
            const sel = path(o, 'spec', 'selector');
            return isObject(sel)
              ? Object.entries(sel)
                  .map(([k, v]) => `${k}=${String(v)}`)
                  .join(',')
              : '<none>';
          },
          'string',
          1,
        ),
      ];
    case 'PersistentVolumeClaim':
      return [
        nameColumn,
        col('Status', (o) => String(path(o, 'status', 'phase') ?? '')),
        col('Volume', (o) => String(path(o, 'spec', 'volumeName') ?? '')),
        col('Capacity', (o) => String(path(o, 'status', 'capacity', 'storage') ?? '')),
        col('Access Modes', (o) => {
          const modes = path(o, 'status', 'accessModes');
          const short: Record<string, string> = {
            ReadWriteOnce: 'RWO',
            ReadOnlyMany: 'ROX',
            ReadWriteMany: 'RWX',
            ReadWriteOncePod: 'RWOP',
          };
          return Array.isArray(modes) ? modes.map((m) => short[String(m)] ?? String(m)).join(',') : '';
        }),
        col('StorageClass', (o) => String(path(o, 'spec', 'storageClassName') ?? '')),
        col('VolumeAttributesClass', () => '<unset>'),
        ageColumn,
      ];
    case 'Pod':
      return [
        nameColumn,
        col('Ready', (o) => {
          const statuses = path(o, 'status', 'containerStatuses');
          const containers = path(o, 'spec', 'containers');
          const total = Array.isArray(containers) ? containers.length : 0;
          const ready = Array.isArray(statuses)
            ? statuses.filter((s) => isObject(s) && s.ready === true).length
            : 0;
          return `${ready}/${total}`;
        }),
        col('Status', podStatusCell),
        col(
          'Restarts',
          (o) => {
            const statuses = path(o, 'status', 'containerStatuses');
            return Array.isArray(statuses)
              ? statuses.reduce<number>((sum, s) => sum + (isObject(s) ? n(s.restartCount) : 0), 0)
              : 0;
          },
          'integer',
        ),
        ageColumn,
        col('IP', (o) => String(path(o, 'status', 'podIP') ?? '<none>'), 'string', 1),
        col('Node', (o) => String(path(o, 'spec', 'nodeName') ?? '<none>'), 'string', 1),
        col('Nominated Node', () => '<none>', 'string', 1),
        col('Readiness Gates', () => '<none>', 'string', 1),
      ];
    case 'Node':
      return [
        nameColumn,
        col('Status', (o) => {
          const ready = conditionTrue(o, 'Ready') ? 'Ready' : 'NotReady';
          return path(o, 'spec', 'unschedulable') === true ? `${ready},SchedulingDisabled` : ready;
        }),
        col('Roles', (o) => {
          const labels = isObject(o.metadata.labels) ? o.metadata.labels : {};
          const roles = Object.keys(labels)
            .filter((k) => k.startsWith('node-role.kubernetes.io/'))
            .map((k) => k.slice('node-role.kubernetes.io/'.length));
          return roles.length > 0 ? roles.sort().join(',') : '<none>';
        }),
        ageColumn,
        col('Version', (o) => String(path(o, 'status', 'nodeInfo', 'kubeletVersion') ?? '')),
        col('Internal-IP', (o) => nodeAddress(o, 'InternalIP'), 'string', 1),
        col('External-IP', (o) => nodeAddress(o, 'ExternalIP'), 'string', 1),
        col('OS-Image', (o) => String(path(o, 'status', 'nodeInfo', 'osImage') ?? ''), 'string', 1),
        col(
          'Kernel-Version',
          (o) => String(path(o, 'status', 'nodeInfo', 'kernelVersion') ?? ''),
          'string',
          1,
        ),
        col(
          'Container-Runtime',
          (o) => String(path(o, 'status', 'nodeInfo', 'containerRuntimeVersion') ?? ''),
          'string',
          1,
        ),
      ];
    case 'Event':
      if (type.group !== '') return [nameColumn, ageColumn];
      return [
        col('Last Seen', (o) => {
          const t = str(o, 'lastTimestamp') ?? str(o, 'eventTime');
          return t ? humanDuration(Date.now() - Date.parse(t)) : '<unknown>';
        }),
        col('Type', (o) => str(o, 'type') ?? ''),
        col('Reason', (o) => str(o, 'reason') ?? ''),
        col('Object', (o) => {
          const inv = isObject(o.involvedObject) ? o.involvedObject : {};
          return `${String(inv.kind ?? '').toLowerCase()}/${String(inv.name ?? '')}`;
        }),
        col('Subobject', (o) => String(path(o, 'involvedObject', 'fieldPath') ?? ''), 'string', 1),
        col(
          'Source',
          (o) => {
            const src = isObject(o.source) ? o.source : {};
            return [src.component, src.host].filter((x) => typeof x === 'string' && x !== '').join(', ');
          },
          'string',
          1,
        ),
        col('Message', (o) => str(o, 'message') ?? ''),
        col(
          'First Seen',
          (o) => {
            const t = str(o, 'firstTimestamp');
            return t ? humanDuration(Date.now() - Date.parse(t)) : '<unknown>';
          },
          'string',
          1,
        ),
        col('Count', (o) => n(o.count), 'integer', 1),
        col('Name', (o) => str(o.metadata, 'name') ?? '', 'string', 1),
      ];
    case 'Deployment':
      return [
        nameColumn,
        col('Ready', (o) => `${n(path(o, 'status', 'readyReplicas'))}/${n(path(o, 'spec', 'replicas'))}`),
        col('Up-to-date', (o) => n(path(o, 'status', 'updatedReplicas')), 'integer'),
        col('Available', (o) => n(path(o, 'status', 'availableReplicas')), 'integer'),
        ageColumn,
      ];
    case 'ReplicaSet':
      return [
        nameColumn,
        col('Desired', (o) => n(path(o, 'spec', 'replicas')), 'integer'),
        col('Current', (o) => n(path(o, 'status', 'replicas')), 'integer'),
        col('Ready', (o) => n(path(o, 'status', 'readyReplicas')), 'integer'),
        ageColumn,
      ];
    case 'StatefulSet':
      return [
        nameColumn,
        col('Ready', (o) => `${n(path(o, 'status', 'readyReplicas'))}/${n(path(o, 'spec', 'replicas'))}`),
        ageColumn,
      ];
    case 'DaemonSet':
      return [
        nameColumn,
        col('Desired', (o) => n(path(o, 'status', 'desiredNumberScheduled')), 'integer'),
        col('Current', (o) => n(path(o, 'status', 'currentNumberScheduled')), 'integer'),
        col('Ready', (o) => n(path(o, 'status', 'numberReady')), 'integer'),
        col('Up-to-date', (o) => n(path(o, 'status', 'updatedNumberScheduled')), 'integer'),
        col('Available', (o) => n(path(o, 'status', 'numberAvailable')), 'integer'),
        col('Node Selector', (o) => {
          const sel = path(o, 'spec', 'template', 'spec', 'nodeSelector');
          return isObject(sel) && Object.keys(sel).length > 0
            ? Object.entries(sel)
                .map(([k, v]) => `${k}=${String(v)}`)
                .join(',')
            : '<none>';
        }),
        ageColumn,
      ];
    case 'Job':
      return [
        nameColumn,
        col('Status', (o) =>
          conditionTrue(o, 'Complete') ? 'Complete' : conditionTrue(o, 'Failed') ? 'Failed' : 'Running',
        ),
        col(
          'Completions',
          (o) => `${n(path(o, 'status', 'succeeded'))}/${n(path(o, 'spec', 'completions')) || 1}`,
        ),
        col('Duration', (o) => {
          const start = path(o, 'status', 'startTime');
          if (typeof start !== 'string') return '';
          const end = path(o, 'status', 'completionTime');
          return humanDuration((typeof end === 'string' ? Date.parse(end) : Date.now()) - Date.parse(start));
        }),
        ageColumn,
      ];
    case 'CronJob':
      return [
        nameColumn,
        col('Schedule', (o) => String(path(o, 'spec', 'schedule') ?? '')),
        col('Timezone', (o) => String(path(o, 'spec', 'timeZone') ?? '<none>')),
        col('Suspend', (o) => String(path(o, 'spec', 'suspend') ?? false), 'boolean'),
        col(
          'Active',
          (o) =>
            Array.isArray(path(o, 'status', 'active')) ? (path(o, 'status', 'active') as Json[]).length : 0,
          'integer',
        ),
        col('Last Schedule', () => '<none>'),
        ageColumn,
      ];
    case 'Ingress':
      return [
        nameColumn,
        col('Class', (o) => String(path(o, 'spec', 'ingressClassName') ?? '<none>')),
        col('Hosts', (o) => {
          const rules = path(o, 'spec', 'rules');
          const hosts = Array.isArray(rules) ? rules.filter(isObject).map((r) => String(r.host ?? '*')) : [];
          return hosts.length > 0 ? hosts.join(',') : '*';
        }),
        col('Address', () => ''),
        col('Ports', (o) => (Array.isArray(path(o, 'spec', 'tls')) ? '80, 443' : '80')),
        ageColumn,
      ];
    case 'CustomResourceDefinition':
      return [nameColumn, col('Created At', (o) => str(o.metadata, 'creationTimestamp') ?? '', 'date')];
    default:
      if (type.printerColumns && type.printerColumns.length > 0) {
        return [
          nameColumn,
          ...type.printerColumns.map((c) => ({
            name: c.name,
            type: c.type,
            description: c.description ?? c.name,
            priority: c.priority ?? 0,
            cell: (o: KubeObject): Json => {
              const v = path(o, ...c.jsonPath.replace(/^\./, '').split('.'));
              if (c.type === 'date' && typeof v === 'string')
                return humanDuration(Date.now() - Date.parse(v));
              return v ?? null;
            },
          })),
          ageColumn,
        ];
      }
      return [nameColumn, ageColumn];
  }
}

/** How much of each object a Table row carries (`includeObject`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** A `meta.k8s.io/v1` Table of objects. */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  resourceVersion: string,
  include: IncludeObject,
  extraMeta: JsonObject = {},
): JsonObject {
  const columns = columnsFor(type);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...extraMeta },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description,
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => {
      const row: JsonObject = { cells: columns.map((c) => c.cell(o)) };
      if (include === 'Object') row.object = o;
      else if (include === 'Metadata')
        row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}
