/**
 * The resource types the simulator serves: the built-in kinds our packages deploy plus any
 * CustomResourceDefinition registered at runtime. Discovery, routing, OpenAPI and tables all read
 * this one registry so a kind is either fully served or not at all.
 */
import type { JsonObject } from './json.js';
import { isObject, str } from './json.js';

/** One served resource (a plural name in a group/version), as discovery describes it. */
export interface ResourceType {
  group: string;
  version: string;
  /** Plural lower-case name used in URLs, e.g. `deployments`. */
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  categories: string[];
  /** Whether `/status` is a subresource (main-resource writes then keep the stored status). */
  hasStatus: boolean;
  /** Whether metadata.generation is tracked (bumped on spec changes). */
  hasGeneration: boolean;
  /** Set for custom resources: the CRD's additionalPrinterColumns, for tables. */
  printerColumns?: PrinterColumn[];
  /** Set for custom resources: the CRD that serves them. */
  crdName?: string;
  /** Set for custom resources: the version's openAPIV3Schema. */
  schema?: JsonObject;
}

/** A CRD additionalPrinterColumns entry. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function builtin(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    plural,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames,
    verbs: allVerbs,
    categories: [],
    hasStatus: false,
    hasGeneration: false,
    ...extra,
  };
}

const workload = { hasStatus: true, hasGeneration: true, categories: ['all'] };

/** The built-in kinds, in the groups and versions a 1.32 server serves them. */
export const builtinResources: readonly ResourceType[] = [
  builtin('', 'v1', 'Namespace', 'namespaces', false, ['ns'], {
    hasStatus: true,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  builtin('', 'v1', 'ConfigMap', 'configmaps', true, ['cm']),
  builtin('', 'v1', 'Secret', 'secrets', true, []),
  builtin('', 'v1', 'Service', 'services', true, ['svc'], { hasStatus: true, categories: ['all'] }),
  builtin('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa']),
  builtin('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, ['pvc'], { hasStatus: true }),
  builtin('', 'v1', 'Pod', 'pods', true, ['po'], { hasStatus: true, categories: ['all'] }),
  builtin('apps', 'v1', 'Deployment', 'deployments', true, ['deploy'], workload),
  builtin('apps', 'v1', 'StatefulSet', 'statefulsets', true, ['sts'], workload),
  builtin('apps', 'v1', 'DaemonSet', 'daemonsets', true, ['ds'], workload),
  builtin('apps', 'v1', 'ReplicaSet', 'replicasets', true, ['rs'], workload),
  builtin('batch', 'v1', 'Job', 'jobs', true, [], workload),
  builtin('batch', 'v1', 'CronJob', 'cronjobs', true, ['cj'], workload),
  builtin('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, ['ing'], {
    hasStatus: true,
    hasGeneration: true,
  }),
  builtin('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false, [], { hasGeneration: true }),
  builtin('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, ['pdb'], {
    hasStatus: true,
    hasGeneration: true,
  }),
  builtin('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true, []),
  builtin('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true, []),
  builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false, []),
  builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false, []),
  builtin('', 'v1', 'Endpoints', 'endpoints', true, ['ep']),
  builtin('', 'v1', 'Event', 'events', true, ['ev']),
  builtin('', 'v1', 'LimitRange', 'limitranges', true, ['limits']),
  builtin('', 'v1', 'ResourceQuota', 'resourcequotas', true, ['quota'], { hasStatus: true }),
  builtin('', 'v1', 'Node', 'nodes', false, ['no'], { hasStatus: true }),
  builtin('', 'v1', 'PersistentVolume', 'persistentvolumes', false, ['pv'], { hasStatus: true }),
  builtin('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true, []),
  // v2 first: discovery's order makes it the group's preferred version, as on a 1.32 server.
  builtin('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['hpa'], {
    hasStatus: true,
    categories: ['all'],
  }),
  builtin('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['hpa'], {
    hasStatus: true,
    categories: ['all'],
  }),
  builtin('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, ['netpol'], {
    hasGeneration: true,
  }),
  builtin('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, ['sc']),
  builtin('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, ['pc']),
  // The rest of a 1.32 server's resources: clients that walk discovery (kubectl apply --prune,
  // api-resources) expect them, and coordination Leases back client-side locks.
  builtin('', 'v1', 'ReplicationController', 'replicationcontrollers', true, ['rc'], workload),
  builtin('', 'v1', 'PodTemplate', 'podtemplates', true, []),
  builtin('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true, []),
  builtin('coordination.k8s.io', 'v1', 'Lease', 'leases', true, []),
  builtin('events.k8s.io', 'v1', 'Event', 'events', true, ['ev']),
  builtin('node.k8s.io', 'v1', 'RuntimeClass', 'runtimeclasses', false, []),
  builtin('storage.k8s.io', 'v1', 'CSIDriver', 'csidrivers', false, []),
  builtin('storage.k8s.io', 'v1', 'CSINode', 'csinodes', false, []),
  builtin('storage.k8s.io', 'v1', 'CSIStorageCapacity', 'csistoragecapacities', true, []),
  builtin('storage.k8s.io', 'v1', 'VolumeAttachment', 'volumeattachments', false, [], { hasStatus: true }),
  builtin(
    'admissionregistration.k8s.io',
    'v1',
    'MutatingWebhookConfiguration',
    'mutatingwebhookconfigurations',
    false,
    [],
    {
      hasGeneration: true,
    },
  ),
  builtin(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingWebhookConfiguration',
    'validatingwebhookconfigurations',
    false,
    [],
    {
      hasGeneration: true,
    },
  ),
  builtin(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingAdmissionPolicy',
    'validatingadmissionpolicies',
    false,
    [],
    {
      hasStatus: true,
      hasGeneration: true,
    },
  ),
  builtin(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingAdmissionPolicyBinding',
    'validatingadmissionpolicybindings',
    false,
    [],
    {
      hasGeneration: true,
    },
  ),
  builtin('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false, [], { hasStatus: true }),
  builtin(
    'certificates.k8s.io',
    'v1',
    'CertificateSigningRequest',
    'certificatesigningrequests',
    false,
    ['csr'],
    {
      hasStatus: true,
    },
  ),
  builtin('flowcontrol.apiserver.k8s.io', 'v1', 'FlowSchema', 'flowschemas', false, [], {
    hasStatus: true,
    hasGeneration: true,
  }),
  builtin(
    'flowcontrol.apiserver.k8s.io',
    'v1',
    'PriorityLevelConfiguration',
    'prioritylevelconfigurations',
    false,
    [],
    {
      hasStatus: true,
      hasGeneration: true,
    },
  ),
  builtin(
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    false,
    ['crd', 'crds'],
    {
      hasStatus: true,
      hasGeneration: true,
    },
  ),
];

/** `group/version`, or `v1` for the core group, as apiVersion fields spell it. */
export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** The resource registry: built-ins plus CRD-served kinds, looked up by URL or by kind. */
export class ResourceRegistry {
  private readonly types: ResourceType[] = [...builtinResources];

  /** Every served type. */
  all(): readonly ResourceType[] {
    return this.types;
  }

  /** The type a URL names (`group`, `version`, plural), or undefined when not served. */
  byPlural(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** The type an object's apiVersion/kind names. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.types.find((t) => groupVersion(t.group, t.version) === apiVersion && t.kind === kind);
  }

  /** The types of one kind across versions (a CRD may serve several). */
  byKindName(kind: string): ResourceType[] {
    return this.types.filter((t) => t.kind === kind);
  }

  /** Groups with their versions, in registration order (discovery's order). */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const t of this.types) {
      const versions = groups.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      groups.set(t.group, versions);
    }
    return groups;
  }

  /** Starts serving the versions a CRD declares (replacing what it served before). */
  registerCrd(crd: JsonObject): ResourceType[] {
    const name = str(crd.metadata as JsonObject, 'name') ?? '';
    this.unregisterCrd(name);
    const spec = isObject(crd.spec) ? crd.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    const group = str(spec, 'group') ?? '';
    const kind = str(names, 'kind') ?? '';
    const plural = str(names, 'plural') ?? '';
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
    const added: ResourceType[] = [];
    for (const v of versions) {
      if (v.served === false) continue;
      const subresources = isObject(v.subresources) ? v.subresources : {};
      const schemaHolder = isObject(v.schema) ? v.schema : {};
      const columns = Array.isArray(v.additionalPrinterColumns)
        ? v.additionalPrinterColumns.filter(isObject).map((c) => ({
            name: str(c, 'name') ?? '',
            type: str(c, 'type') ?? 'string',
            jsonPath: str(c, 'jsonPath') ?? '',
            description: str(c, 'description'),
            priority: typeof c.priority === 'number' ? c.priority : 0,
          }))
        : [];
      const type: ResourceType = {
        group,
        version: str(v, 'name') ?? '',
        plural,
        singular: str(names, 'singular') ?? kind.toLowerCase(),
        kind,
        listKind: str(names, 'listKind') ?? `${kind}List`,
        namespaced: str(spec, 'scope') !== 'Cluster',
        shortNames: Array.isArray(names.shortNames)
          ? names.shortNames.filter((s): s is string => typeof s === 'string')
          : [],
        verbs: allVerbs,
        categories: Array.isArray(names.categories)
          ? names.categories.filter((s): s is string => typeof s === 'string')
          : [],
        hasStatus: 'status' in subresources,
        hasGeneration: true,
        printerColumns: columns,
        crdName: name,
        schema: isObject(schemaHolder.openAPIV3Schema) ? schemaHolder.openAPIV3Schema : undefined,
      };
      this.types.push(type);
      added.push(type);
    }
    return added;
  }

  /** Stops serving a CRD's kinds; returns what was removed so their objects can be dropped. */
  unregisterCrd(crdName: string): ResourceType[] {
    const removed = this.types.filter((t) => t.crdName === crdName);
    for (const t of removed) this.types.splice(this.types.indexOf(t), 1);
    return removed;
  }
}
