/**
 * API discovery: which resource (plural path segment) serves a kind and whether it is namespaced.
 * Only the group-versions a release uses are fetched, each once and concurrently; a kind missing
 * from a cached list is looked up again, because a CRD applied earlier in the same deploy adds it.
 */
import { isApiError, type KubeTransport } from './http.js';

export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  /** The plural used in URLs (`deployments`). */
  plural: string;
  namespaced: boolean;
}

interface ApiGroup {
  versions?: { groupVersion: string }[];
  preferredVersion?: { groupVersion: string };
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

export class Discovery {
  private readonly cache = new Map<string, Promise<Map<string, ResourceInfo> | undefined>>();

  constructor(private readonly transport: KubeTransport) {}

  /** The resource serving `kind` in `apiVersion`, or undefined when the cluster does not serve it. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const known = await this.fetch(apiVersion, false);
    const hit = known?.get(kind);
    if (hit) return hit;
    return (await this.fetch(apiVersion, true))?.get(kind);
  }

  /**
   * The resource serving `kind` in `apiVersion`, else in another version of the same group
   * (preferred first). Objects outlive the API versions they were created with (a cluster upgrade
   * drops a beta version, a CRD stops serving one), and prune must still find them.
   */
  async resolveAnyVersion(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const exact = await this.resolve(apiVersion, kind);
    const slash = apiVersion.indexOf('/');
    if (exact || slash < 0) return exact;
    let group: ApiGroup;
    try {
      group = await this.transport.request<ApiGroup>({
        method: 'GET',
        path: `/apis/${apiVersion.slice(0, slash)}`,
        idempotent: true,
      });
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw err;
    }
    const preferred = group.preferredVersion?.groupVersion;
    const versions = (group.versions ?? []).map((v) => v.groupVersion).filter((v) => v !== apiVersion);
    versions.sort((a, b) => Number(b === preferred) - Number(a === preferred));
    for (const version of versions) {
      const info = await this.resolve(version, kind);
      if (info) return info;
    }
    return undefined;
  }

  private fetch(apiVersion: string, refresh: boolean): Promise<Map<string, ResourceInfo> | undefined> {
    let pending = this.cache.get(apiVersion);
    if (!pending || refresh) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      pending = this.transport
        .request<ApiResourceList>({ method: 'GET', path, idempotent: true })
        .then((list) => {
          const byKind = new Map<string, ResourceInfo>();
          for (const r of list.resources ?? []) {
            if (r.name.includes('/')) continue; // subresources such as deployments/status
            byKind.set(r.kind, { apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced });
          }
          return byKind;
        })
        .catch((err: unknown) => {
          if (isApiError(err, 404)) return undefined;
          this.cache.delete(apiVersion);
          throw err;
        });
      this.cache.set(apiVersion, pending);
    }
    return pending;
  }
}
