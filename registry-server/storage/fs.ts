/**
 * The embedded filesystem back end. Layout under the root:
 *
 *     blobs/sha256/<2 hex>/<64 hex>   immutable .tar.gz blobs named by their sha256
 *     packages/<ns>/<name>.json       a package's manifests and channels (one document, replaced atomically)
 *     auth/users.json, auth/tokens.json, auth/namespaces.json
 *     locks/  tmp/
 *
 * Every change runs under the package's (or auth file's) inter-process lock: read the document
 * fresh, check, write blobs first, then replace the document by rename. A reader therefore sees a
 * release only once its blob is durable and its document entry complete; a crash leaves at worst
 * an unreferenced blob or temp file, never a listed partial release.
 */
import { sha256Hex } from '../../src/util/hash.js';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageConflict } from '../errors.js';
import { orderReleases, highest, sortDesc, type ReleaseOrder } from '../releases.js';
import { KeyedLock, sweepTemp, writeAtomic } from './atomic.js';
import { JsonCache } from './json-file.js';
import type {
  ChannelRecord,
  MemberRecord,
  NamespaceClaim,
  PackageIndex,
  PackageSummary,
  PutReleaseOptions,
  ReleaseRecord,
  Role,
  Storage,
  TokenRecord,
  UserRecord,
} from './types.js';

type StoredManifest = Omit<ReleaseRecord, 'namespace' | 'name' | 'release' | 'mediaType'>;

interface PackageDoc {
  createdAt: string;
  releases: Record<string, Record<string, StoredManifest>>;
  channels: Record<string, { current: string; releases: string[] }>;
}

/** A parsed package document plus lazily derived lookups (order, digests). */
class PackageView {
  private orderCache: ReleaseOrder | undefined;
  private digests: Map<string, [string, string]> | undefined;
  constructor(readonly doc: PackageDoc) {}
  get order(): ReleaseOrder {
    this.orderCache ??= orderReleases(Object.keys(this.doc.releases));
    return this.orderCache;
  }
  byDigest(digest: string): [string, string] | undefined {
    if (!this.digests) {
      this.digests = new Map();
      for (const [release, types] of Object.entries(this.doc.releases)) {
        for (const [mediaType, m] of Object.entries(types)) {
          this.digests.set(m.digest, [release, mediaType]);
          this.digests.set(m.gzipDigest, [release, mediaType]);
        }
      }
    }
    return this.digests.get(digest);
  }
}

interface UsersDoc {
  users: Record<string, { passwordHash: string; createdAt: string }>;
}
interface TokensDoc {
  tokens: Record<string, { username: string; createdAt: string; expiresAt: string; revoked: boolean }>;
}
interface NamespacesDoc {
  namespaces: Record<string, { createdAt: string; members: Record<string, Role> }>;
}

const FORMAT = 'stackanetes-registry-fs 1\n';

/**
 * A key's own entry of a parsed JSON map. Valid names include `constructor` and channels may be
 * `toString`: a plain index would return Object.prototype's members for them (500s, or a
 * function taken for a role).
 */
function own<T>(map: Record<string, T> | undefined, key: string): T | undefined {
  return map && Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Options of the filesystem back end. */
export interface FsStorageOptions {
  root: string;
  /** How long a lock whose holder stopped refreshing it is respected (min 2000). */
  lockStaleMs: number;
  onLockCompromised?: (key: string, err: Error) => void;
}

/** Filesystem storage; several processes may share one root. */
export class FsStorage implements Storage {
  readonly kind = 'filesystem';
  private readonly root: string;
  private readonly tmp: string;
  private readonly locks: KeyedLock;
  private readonly packages = new JsonCache<PackageView>((raw) => new PackageView(raw as PackageDoc), 2000);
  private readonly users = new JsonCache<UsersDoc>((raw) => raw as UsersDoc, 4);
  private readonly tokens = new JsonCache<TokensDoc>((raw) => raw as TokensDoc, 4);
  private readonly namespaces = new JsonCache<NamespacesDoc>((raw) => raw as NamespacesDoc, 4);

  constructor(options: FsStorageOptions) {
    this.root = options.root;
    this.tmp = join(this.root, 'tmp');
    this.locks = new KeyedLock(
      join(this.root, 'locks'),
      options.lockStaleMs,
      options.onLockCompromised ?? (() => undefined),
    );
  }

  async init(): Promise<void> {
    for (const dir of ['blobs/sha256', 'packages', 'auth', 'locks', 'tmp'])
      await mkdir(join(this.root, dir), { recursive: true });
    // Password hashes and token hashes are for the server's eyes only, as the client keeps its token.
    await chmod(join(this.root, 'auth'), 0o700);
    for (const file of await readdir(join(this.root, 'auth')))
      await chmod(join(this.root, 'auth', file), 0o600).catch(() => undefined);
    const formatFile = join(this.root, 'FORMAT');
    const existing = await readFile(formatFile, 'utf8').catch(() => undefined);
    if (existing === undefined) await writeFile(formatFile, FORMAT, { flag: 'w' });
    else if (existing !== FORMAT)
      throw new Error(
        `${formatFile} says ${JSON.stringify(existing.trim())}; this server reads ${FORMAT.trim()}`,
      );
    await sweepTemp(this.tmp, 10 * 60 * 1000);
  }

  async ready(): Promise<boolean> {
    try {
      return (await stat(join(this.root, 'packages'))).isDirectory();
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {}

  private packagePath(ns: string, name: string): string {
    return join(this.root, 'packages', ns, `${name}.json`);
  }

  private blobPath(gzipDigest: string): string {
    return join(this.root, 'blobs', 'sha256', gzipDigest.slice(0, 2), gzipDigest);
  }

  private authPath(file: string): string {
    return join(this.root, 'auth', file);
  }

  /** Read-modify-write of a package document under its lock; `fn` returns the new doc (or null to leave it). */
  private async updatePackage<T>(
    ns: string,
    name: string,
    fn: (doc: PackageDoc | undefined) => Promise<{ doc: PackageDoc | null; result: T }>,
  ): Promise<T> {
    const path = this.packagePath(ns, name);
    return this.locks.run(`pkg~${ns}~${name}`, async () => {
      const current = await this.packages.load(path);
      // Copy-on-write: `fn` replaces entries of `releases` (never mutates them) and may edit
      // `channels`, so a shallow copy plus cloned channels keeps the cached document intact
      // without deep-cloning 100,000 manifests per push.
      const draft = current
        ? {
            ...current.doc,
            releases: { ...current.doc.releases },
            channels: structuredClone(current.doc.channels),
          }
        : undefined;
      const { doc, result } = await fn(draft);
      if (doc)
        this.packages.prime(
          path,
          await writeAtomic(this.tmp, path, JSON.stringify(doc)),
          new PackageView(doc),
        );
      return result;
    });
  }

  private async updateAuth<D, T>(
    file: string,
    cache: JsonCache<D>,
    empty: () => NoInfer<D>,
    fn: (doc: NoInfer<D>) => { changed: boolean; result: T },
  ): Promise<T> {
    const path = this.authPath(file);
    return this.locks.run(`auth~${file}`, async () => {
      const current = await cache.load(path);
      const doc = current ? structuredClone(current) : empty();
      const { changed, result } = fn(doc);
      if (changed) cache.prime(path, await writeAtomic(this.tmp, path, JSON.stringify(doc), 0o600), doc);
      return result;
    });
  }

  private async view(ns: string, name: string): Promise<PackageView | undefined> {
    return this.packages.read(this.packagePath(ns, name));
  }

  async putRelease(
    record: ReleaseRecord,
    blob: Buffer,
    options: PutReleaseOptions,
  ): Promise<'created' | 'replaced'> {
    return this.updatePackage(record.namespace, record.name, async (doc) => {
      const next: PackageDoc = doc ?? { createdAt: record.createdAt, releases: {}, channels: {} };
      const existing = own(own(next.releases, record.release), record.mediaType);
      if (existing && !options.force) {
        throw new StorageConflict(
          'exists',
          `${record.namespace}/${record.name}@${record.release} (${record.mediaType}) already exists`,
        );
      }
      const blobPath = this.blobPath(record.gzipDigest);
      // A blob already on disk is reused only when its bytes still hash to its name: comparing
      // sizes kept a damaged blob through the forced re-push that is the advertised remedy.
      const present = await readFile(blobPath).then(
        (bytes) => sha256Hex(bytes) === record.gzipDigest,
        () => false,
      );
      if (!present) await writeAtomic(this.tmp, blobPath, blob);
      const { namespace: _ns, name: _n, release: _r, mediaType: _m, ...stored } = record;
      next.releases[record.release] = { ...own(next.releases, record.release), [record.mediaType]: stored };
      return { doc: next, result: existing ? 'replaced' : 'created' };
    });
  }

  private toRecord(
    ns: string,
    name: string,
    release: string,
    mediaType: string,
    m: StoredManifest,
  ): ReleaseRecord {
    return { namespace: ns, name, release, mediaType, ...m };
  }

  async getRelease(ns: string, name: string, release: string): Promise<ReleaseRecord[]> {
    const types = own((await this.view(ns, name))?.doc.releases, release);
    if (!types) return [];
    return Object.entries(types)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([mt, m]) => this.toRecord(ns, name, release, mt, m));
  }

  async getIndex(ns: string, name: string): Promise<PackageIndex | undefined> {
    const view = await this.view(ns, name);
    if (!view || view.order.desc.length === 0) return undefined;
    return { createdAt: view.doc.createdAt, order: view.order };
  }

  async listManifests(ns: string, name: string): Promise<ReleaseRecord[]> {
    const view = await this.view(ns, name);
    if (!view) return [];
    const out: ReleaseRecord[] = [];
    for (const release of view.order.desc) {
      for (const [mt, m] of Object.entries(view.doc.releases[release] ?? {}).sort(([a], [b]) =>
        a < b ? -1 : 1,
      )) {
        out.push(this.toRecord(ns, name, release, mt, m));
      }
    }
    return out;
  }

  async findByDigest(ns: string, name: string, digest: string): Promise<ReleaseRecord | undefined> {
    const view = await this.view(ns, name);
    const hit = view?.byDigest(digest);
    if (!view || !hit) return undefined;
    const m = own(own(view.doc.releases, hit[0]), hit[1]);
    return m ? this.toRecord(ns, name, hit[0], hit[1], m) : undefined;
  }

  async deleteRelease(ns: string, name: string, release: string, mediaType: string): Promise<boolean> {
    return this.updatePackage(ns, name, async (doc) => {
      const existing = own(doc?.releases, release);
      if (!doc || !own(existing, mediaType)) return { doc: null, result: false };
      const types = { ...existing };
      delete types[mediaType];
      doc.releases[release] = types;
      if (Object.keys(types).length === 0) {
        delete doc.releases[release];
        for (const [channel, ch] of Object.entries(doc.channels)) {
          if (!ch.releases.includes(release)) continue;
          ch.releases = ch.releases.filter((r) => r !== release);
          if (ch.releases.length === 0) delete doc.channels[channel];
          else if (ch.current === release) ch.current = highest(ch.releases) as string;
        }
      }
      return { doc, result: true };
    });
  }

  async getBlob(gzipDigest: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.blobPath(gzipDigest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async listPackages(filter: {
    namespace?: string;
    query?: string;
    mediaType?: string;
  }): Promise<PackageSummary[]> {
    const base = join(this.root, 'packages');
    const namespaces = filter.namespace ? [filter.namespace] : (await readdir(base)).sort();
    const out: PackageSummary[] = [];
    for (const ns of namespaces) {
      const files = await readdir(join(base, ns)).catch(() => [] as string[]);
      for (const file of files.sort()) {
        if (!file.endsWith('.json')) continue;
        const name = file.slice(0, -5);
        if (filter.query && !`${ns}/${name}`.includes(filter.query)) continue;
        const view = await this.view(ns, name);
        if (!view || view.order.desc.length === 0) continue;
        const mediaTypes = new Set<string>();
        for (const types of Object.values(view.doc.releases))
          for (const mt of Object.keys(types)) mediaTypes.add(mt);
        if (filter.mediaType && !mediaTypes.has(filter.mediaType)) continue;
        out.push({
          namespace: ns,
          name,
          createdAt: view.doc.createdAt,
          releases: [...view.order.desc],
          defaultRelease: view.order.defaultRelease,
          mediaTypes: [...mediaTypes].sort(),
        });
      }
    }
    return out;
  }

  async listChannels(ns: string, name: string): Promise<ChannelRecord[]> {
    const view = await this.view(ns, name);
    if (!view) return [];
    return Object.entries(view.doc.channels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([channel, ch]) => ({ name: channel, current: ch.current, releases: sortDesc(ch.releases) }));
  }

  async addToChannel(ns: string, name: string, channel: string, release: string): Promise<ChannelRecord> {
    return this.updatePackage(ns, name, async (doc) => {
      if (!doc || !own(doc.releases, release))
        throw new StorageConflict('missing-release', `${ns}/${name}@${release} does not exist`);
      const ch = own(doc.channels, channel) ?? { current: release, releases: [] };
      if (!ch.releases.includes(release)) ch.releases.push(release);
      ch.current = release;
      doc.channels[channel] = ch;
      return { doc, result: { name: channel, current: ch.current, releases: sortDesc(ch.releases) } };
    });
  }

  async removeFromChannel(
    ns: string,
    name: string,
    channel: string,
    release: string,
  ): Promise<ChannelRecord | undefined | 'absent'> {
    return this.updatePackage<ChannelRecord | undefined | 'absent'>(ns, name, async (doc) => {
      const ch = own(doc?.channels, channel);
      if (!doc || !ch) return { doc: null, result: 'absent' as const };
      if (!ch.releases.includes(release))
        throw new StorageConflict('missing-release', `${release} is not in channel ${channel}`);
      ch.releases = ch.releases.filter((r) => r !== release);
      if (ch.releases.length === 0) {
        delete doc.channels[channel];
        return { doc, result: undefined };
      }
      if (ch.current === release) ch.current = highest(ch.releases) as string;
      return { doc, result: { name: channel, current: ch.current, releases: sortDesc(ch.releases) } };
    });
  }

  async deleteChannel(ns: string, name: string, channel: string): Promise<boolean> {
    return this.updatePackage(ns, name, async (doc) => {
      if (!doc || !own(doc.channels, channel)) return { doc: null, result: false };
      delete doc.channels[channel];
      return { doc, result: true };
    });
  }

  async addUser(user: UserRecord): Promise<void> {
    await this.updateAuth(
      'users.json',
      this.users,
      () => ({ users: {} }),
      (doc) => {
        if (own(doc.users, user.username))
          throw new StorageConflict('exists', `user ${user.username} already exists`);
        doc.users[user.username] = { passwordHash: user.passwordHash, createdAt: user.createdAt };
        return { changed: true, result: undefined };
      },
    );
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    const u = own((await this.users.read(this.authPath('users.json')))?.users, username);
    return u ? { username, ...u } : undefined;
  }

  async setPassword(username: string, passwordHash: string): Promise<boolean> {
    return this.updateAuth(
      'users.json',
      this.users,
      () => ({ users: {} }),
      (doc) => {
        const u = own(doc.users, username);
        if (!u) return { changed: false, result: false };
        u.passwordHash = passwordHash;
        return { changed: true, result: true };
      },
    );
  }

  async removeUser(username: string): Promise<boolean> {
    // Three files change; a crash between them must not leave a deleted account with live tokens
    // or memberships (tokens are checked without the user), so the account goes last and a
    // retried removal finishes the job.
    if (!(await this.getUser(username))) return false;
    await this.revokeUserTokens(username);
    await this.updateAuth(
      'namespaces.json',
      this.namespaces,
      () => ({ namespaces: {} }),
      (doc) => {
        let changed = false;
        for (const ns of Object.values(doc.namespaces)) {
          if (own(ns.members, username)) {
            delete ns.members[username];
            changed = true;
          }
        }
        return { changed, result: undefined };
      },
    );
    return this.updateAuth(
      'users.json',
      this.users,
      () => ({ users: {} }),
      (doc) => {
        if (!own(doc.users, username)) return { changed: false, result: false };
        delete doc.users[username];
        return { changed: true, result: true };
      },
    );
  }

  async listUsers(): Promise<UserRecord[]> {
    const doc = await this.users.read(this.authPath('users.json'));
    return Object.entries(doc?.users ?? {})
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([username, u]) => ({ username, ...u }));
  }

  async addToken(token: TokenRecord): Promise<void> {
    await this.updateAuth(
      'tokens.json',
      this.tokens,
      () => ({ tokens: {} }),
      (doc) => {
        const now = Date.now();
        // Expired entries are useless; dropping them keeps the file small.
        for (const [hash, t] of Object.entries(doc.tokens))
          if (Date.parse(t.expiresAt) <= now) delete doc.tokens[hash];
        const { hash, ...rest } = token;
        doc.tokens[hash] = rest;
        return { changed: true, result: undefined };
      },
    );
  }

  async getToken(hash: string): Promise<TokenRecord | undefined> {
    const t = (await this.tokens.read(this.authPath('tokens.json')))?.tokens[hash];
    return t ? { hash, ...t } : undefined;
  }

  async revokeToken(hash: string): Promise<boolean> {
    return this.updateAuth(
      'tokens.json',
      this.tokens,
      () => ({ tokens: {} }),
      (doc) => {
        const t = doc.tokens[hash];
        if (!t || t.revoked) return { changed: false, result: false };
        t.revoked = true;
        return { changed: true, result: true };
      },
    );
  }

  async revokeUserTokens(username: string): Promise<number> {
    return this.updateAuth(
      'tokens.json',
      this.tokens,
      () => ({ tokens: {} }),
      (doc) => {
        let count = 0;
        for (const t of Object.values(doc.tokens)) {
          if (t.username === username && !t.revoked) {
            t.revoked = true;
            count++;
          }
        }
        return { changed: count > 0, result: count };
      },
    );
  }

  async claimNamespace(namespace: string, username: string): Promise<NamespaceClaim> {
    const current = own(
      (await this.namespaces.read(this.authPath('namespaces.json')))?.namespaces,
      namespace,
    );
    if (current) return { role: own(current.members, username), created: false };
    return this.updateAuth<NamespacesDoc, NamespaceClaim>(
      'namespaces.json',
      this.namespaces,
      () => ({ namespaces: {} }),
      (doc) => {
        const ns = own(doc.namespaces, namespace);
        if (ns) return { changed: false, result: { role: own(ns.members, username), created: false } };
        doc.namespaces[namespace] = { createdAt: new Date().toISOString(), members: { [username]: 'owner' } };
        return { changed: true, result: { role: 'owner' as Role, created: true } };
      },
    );
  }

  async listMembers(namespace: string): Promise<MemberRecord[] | undefined> {
    const ns = own((await this.namespaces.read(this.authPath('namespaces.json')))?.namespaces, namespace);
    if (!ns) return undefined;
    return Object.entries(ns.members)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([username, role]) => ({ username, role }));
  }

  async setMember(namespace: string, username: string, role: Role): Promise<void> {
    if (!(await this.getUser(username)))
      throw new StorageConflict('missing-user', `user ${username} does not exist`);
    await this.updateAuth(
      'namespaces.json',
      this.namespaces,
      () => ({ namespaces: {} }),
      (doc) => {
        const ns = own(doc.namespaces, namespace) ?? { createdAt: new Date().toISOString(), members: {} };
        doc.namespaces[namespace] = ns;
        if (
          own(ns.members, username) === 'owner' &&
          role !== 'owner' &&
          !Object.entries(ns.members).some(([u, r]) => u !== username && r === 'owner')
        ) {
          throw new StorageConflict('in-use', `${username} is the last owner of ${namespace}`);
        }
        ns.members[username] = role;
        return { changed: true, result: undefined };
      },
    );
  }

  async removeMember(namespace: string, username: string): Promise<boolean> {
    return this.updateAuth(
      'namespaces.json',
      this.namespaces,
      () => ({ namespaces: {} }),
      (doc) => {
        const ns = own(doc.namespaces, namespace);
        if (!ns || !own(ns.members, username)) return { changed: false, result: false };
        if (
          ns.members[username] === 'owner' &&
          !Object.entries(ns.members).some(([u, r]) => u !== username && r === 'owner')
        ) {
          throw new StorageConflict('in-use', `${username} is the last owner of ${namespace}`);
        }
        delete ns.members[username];
        return { changed: true, result: true };
      },
    );
  }
}
