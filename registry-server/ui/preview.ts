/**
 * What the package page shows from inside a release: the package loaded from its stored tarball,
 * the parameters it reads with their defaults, and the manifests it renders with those defaults.
 * Rendering reuses the CLI's pipeline; dependencies and libraries resolve against this registry's
 * own storage (digest, channel, range, else the default release), never over the network.
 */
import { sha256Hex } from '../../src/util/hash.js';
// js-yaml emits here as in `generate`, so a preview reads like the manifests generate writes.
import { dump } from 'js-yaml';
import { renderReferenceDetailed, type WalkedPackage } from '../../src/render/pipeline.js';
import { describeCause, InputError, NotFoundError } from '../../src/errors.js';
import { loadPackageTarball } from '../../src/package/load.js';
import type { PackageSource } from '../../src/package/source.js';
import type { DependencyEntry, LoadedPackage } from '../../src/package/types.js';
import { unusedVariables, type UsageNode } from '../../src/render/usage.js';
import { isPlainObject, type Variables } from '../../src/render/values.js';
import type { BlobCache } from '../blob-cache.js';
import { resolveRelease } from '../releases.js';
import type { ReleaseRecord, Storage } from '../storage/types.js';
import { OWN_MEDIA_TYPE } from '../validate.js';

/** One rendered object, as the preview lists it. */
export interface PreviewObject {
  package: string;
  template: string;
  kind: string;
  name: string;
  yaml: string;
}

/** A parameter the package reads and its default as YAML flow text. */
export interface Parameter {
  path: string;
  value: string;
}

export interface ReleasePreview {
  objects: PreviewObject[];
  /** Set instead of objects when the release cannot be rendered with its defaults. */
  error?: string;
  parameters: Parameter[];
  /** Defaults nothing in the package or its dependencies reads. */
  unread: string[];
  warnings: string[];
}

const PACKAGE_NAME = /^([a-z0-9][a-z0-9_-]{1,62})\/([a-z0-9][a-z0-9_-]{1,62})$/;
const PREVIEW_NAMESPACE = 'preview';
const CACHE_ENTRIES = 16;

/** Loads releases of this registry's own packages from storage, verifying every blob's digest. */
export class StoredPackages {
  constructor(
    private readonly storage: Storage,
    private readonly blobs: BlobCache,
  ) {}

  async blob(record: ReleaseRecord): Promise<Buffer> {
    const cached = this.blobs.get(record.gzipDigest);
    if (cached) return cached;
    const data = await this.storage.getBlob(record.gzipDigest);
    if (!data)
      throw new NotFoundError(`blob of ${record.namespace}/${record.name}@${record.release} is missing`);
    if (sha256Hex(data) !== record.gzipDigest)
      throw new InputError(
        `blob of ${record.namespace}/${record.name}@${record.release} does not match its digest`,
      );
    this.blobs.set(record.gzipDigest, data);
    return data;
  }

  /** The package of one stored release (media type `stackanetes`). */
  async load(record: ReleaseRecord): Promise<LoadedPackage> {
    const location = `${record.namespace}/${record.name}@${record.release}`;
    const pkg = loadPackageTarball(await this.blob(record), location, 'registry');
    pkg.digest = `sha256:${record.digest}`;
    return pkg;
  }

  /** Picks the release a dependency entry means, the way the CLI's resolver does. */
  async resolve(entry: DependencyEntry): Promise<ReleaseRecord> {
    const m = PACKAGE_NAME.exec(entry.name);
    if (!m) throw new InputError(`dependency ${entry.name} is not a package of this registry`);
    const [, ns, name] = m as unknown as [string, string, string];
    let release: string | undefined;
    if (entry.digest) {
      const hit = await this.storage.findByDigest(ns, name, entry.digest.replace(/^sha256:/, ''));
      release = hit?.release;
    } else if (entry.channel) {
      release = (await this.storage.listChannels(ns, name)).find((c) => c.name === entry.channel)?.current;
    } else {
      const index = await this.storage.getIndex(ns, name);
      if (index) release = resolveRelease(index.order, entry.version ?? 'default');
    }
    const what =
      entry.digest ?? (entry.channel ? `channel ${entry.channel}` : (entry.version ?? 'a release'));
    if (!release) throw new NotFoundError(`${entry.name}: no release matches ${what} on this registry`);
    const record = (await this.storage.getRelease(ns, name, release)).find(
      (r) => r.mediaType === OWN_MEDIA_TYPE,
    );
    if (!record) throw new NotFoundError(`${entry.name}@${release} is not a stackanetes package`);
    return record;
  }
}

function leaves(values: Variables, path: string[], out: Parameter[]): Parameter[] {
  for (const [key, value] of Object.entries(values)) {
    if (isPlainObject(value) && Object.keys(value).length > 0) leaves(value, [...path, key], out);
    else out.push({ path: [...path, key].join('.'), value: dump(value, { flowLevel: 0 }).trim() });
  }
  return out;
}

function usageTree(loaded: readonly WalkedPackage[]): UsageNode | undefined {
  const nodes = new Map<string, UsageNode>();
  for (const w of loaded) {
    const node: UsageNode = { pkg: w.pkg, children: [] };
    if (w.libraries) node.libraries = w.libraries;
    nodes.set(w.pkg.manifest.package.name, node);
  }
  for (const w of loaded)
    if (w.parent) nodes.get(w.parent)?.children.push(nodes.get(w.pkg.manifest.package.name)!);
  const first = loaded[0];
  return first ? nodes.get(first.pkg.manifest.package.name) : undefined;
}

/** Renders a release with its defaults; failures become the preview's error line. */
export async function previewPackage(root: LoadedPackage, source: PackageSource): Promise<ReleasePreview> {
  const defaults = leaves(root.manifest.variables, [], []);
  try {
    const { release, loaded } = await renderReferenceDetailed({
      reference: root.origin.location,
      namespace: PREVIEW_NAMESPACE,
      source,
      validate: false,
    });
    const tree = usageTree(loaded);
    const unread = tree ? unusedVariables(tree) : [];
    const unreadSet = new Set(unread);
    return {
      objects: release.packages.flatMap((p) =>
        p.objects.map((o) => ({
          package: o.package,
          template: o.template,
          kind: o.object.kind,
          name: o.object.metadata.name,
          yaml: dump(o.object, { noRefs: true, lineWidth: 120 }),
        })),
      ),
      parameters: defaults.filter((p) => !unreadSet.has(p.path)),
      unread,
      warnings: release.warnings,
    };
  } catch (err) {
    return { objects: [], error: describeCause(err), parameters: defaults, unread: [], warnings: [] };
  }
}

/**
 * Previews by blob digest: a release's bytes never change, and a few dependency moves between
 * two page views are not worth rendering a meta-package again for every visitor.
 */
export class PreviewCache {
  private readonly entries = new Map<string, { at: number; value: Promise<ReleasePreview> }>();
  constructor(private readonly ttlMs = 60_000) {}

  get(key: string, make: () => Promise<ReleasePreview>): Promise<ReleasePreview> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = make();
    this.entries.delete(key);
    this.entries.set(key, { at: now, value });
    while (this.entries.size > CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}
