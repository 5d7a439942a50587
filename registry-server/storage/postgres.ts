/**
 * The PostgreSQL back end, for several stateless replicas sharing one database. Every change is
 * one transaction; uniqueness comes from primary keys (a duplicate push is an INSERT that does
 * nothing), and changes to one package serialise on its row lock. Release lists are cached per
 * process and revalidated by the package's `generation`, bumped by every change in the same
 * transaction, so a cache can never serve a list another replica has changed.
 */
import pg from 'pg';
import { StorageConflict } from '../errors.js';
import { highest, orderReleases, sortDesc } from '../releases.js';
import { MIGRATIONS } from './migrations.js';
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

const MIGRATION_LOCK = 0x5354_4b52; // "STKR"

interface ReleaseRow {
  namespace: string;
  name: string;
  release: string;
  media_type: string;
  digest: string;
  gzip_digest: string;
  size: number;
  metadata: unknown;
  created_at: Date;
}

const RELEASE_COLUMNS =
  'p.namespace, p.name, r.release, r.media_type, r.digest, r.gzip_digest, r.size, r.metadata, r.created_at';

function toRecord(row: ReleaseRow): ReleaseRecord {
  return {
    namespace: row.namespace,
    name: row.name,
    release: row.release,
    mediaType: row.media_type,
    digest: row.digest,
    gzipDigest: row.gzip_digest,
    size: row.size,
    metadata: row.metadata ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

/** Options of the PostgreSQL back end. */
export interface PgStorageOptions {
  url: string;
  poolSize: number;
}

/** PostgreSQL storage. */
export class PgStorage implements Storage {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private readonly indexCache = new Map<string, { generation: string; index: PackageIndex }>();

  constructor(options: PgStorageOptions) {
    // Bounded waits: an unreachable database must turn into 503s and a failing /readyz, not hung requests.
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      idleTimeoutMillis: 30000,
      connectionTimeoutMillis: 5000,
      statement_timeout: 30000,
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  private async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async init(): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query(
        'CREATE TABLE IF NOT EXISTS stackanetes_registry_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const { rows } = await c.query<{ v: number | null }>(
        'SELECT max(version) AS v FROM stackanetes_registry_migrations',
      );
      const current = rows[0]?.v ?? 0;
      if (current > MIGRATIONS.length)
        throw new Error(
          `database schema version ${current} is newer than this server (${MIGRATIONS.length}); upgrade the server`,
        );
      for (let v = current + 1; v <= MIGRATIONS.length; v++) {
        await c.query(MIGRATIONS[v - 1] as string);
        await c.query('INSERT INTO stackanetes_registry_migrations(version) VALUES ($1)', [v]);
      }
    });
  }

  async ready(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Locks the package row (creating it if asked) and bumps its generation; returns its id. */
  private async lockPackage(
    c: pg.PoolClient,
    ns: string,
    name: string,
    create: string | undefined,
  ): Promise<string | undefined> {
    if (create !== undefined) {
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO packages(namespace, name, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (namespace, name) DO UPDATE SET generation = packages.generation + 1 RETURNING id`,
        [ns, name, create],
      );
      return rows[0]?.id;
    }
    const { rows } = await c.query<{ id: string }>(
      'UPDATE packages SET generation = generation + 1 WHERE namespace = $1 AND name = $2 RETURNING id',
      [ns, name],
    );
    return rows[0]?.id;
  }

  async putRelease(
    record: ReleaseRecord,
    blob: Buffer,
    options: PutReleaseOptions,
  ): Promise<'created' | 'replaced'> {
    return this.tx(async (c) => {
      // A forced push rewrites the row with the verified bytes (identical content by its name),
      // so it repairs a damaged copy, which is what the client's digest-mismatch hint advises.
      await c.query(
        `INSERT INTO blobs(digest, size, data) VALUES ($1, $2, $3) ON CONFLICT (digest) ${
          options.force ? 'DO UPDATE SET size = EXCLUDED.size, data = EXCLUDED.data' : 'DO NOTHING'
        }`,
        [record.gzipDigest, blob.length, blob],
      );
      const id = await this.lockPackage(c, record.namespace, record.name, record.createdAt);
      const values = [
        id,
        record.release,
        record.mediaType,
        record.digest,
        record.gzipDigest,
        record.size,
        JSON.stringify(record.metadata ?? null),
        record.createdAt,
      ];
      const insert =
        'INSERT INTO releases(package_id, release, media_type, digest, gzip_digest, size, metadata, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)';
      if (options.force) {
        const { rows } = await c.query<{ inserted: boolean }>(
          `${insert} ON CONFLICT (package_id, release, media_type) DO UPDATE SET digest = EXCLUDED.digest, gzip_digest = EXCLUDED.gzip_digest,
             size = EXCLUDED.size, metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at RETURNING (xmax = 0) AS inserted`,
          values,
        );
        return rows[0]?.inserted ? 'created' : 'replaced';
      }
      const { rowCount } = await c.query(
        `${insert} ON CONFLICT (package_id, release, media_type) DO NOTHING`,
        values,
      );
      if (rowCount === 0)
        throw new StorageConflict(
          'exists',
          `${record.namespace}/${record.name}@${record.release} (${record.mediaType}) already exists`,
        );
      return 'created';
    });
  }

  async getRelease(ns: string, name: string, release: string): Promise<ReleaseRecord[]> {
    const { rows } = await this.pool.query<ReleaseRow>({
      name: 'get-release',
      text: `SELECT ${RELEASE_COLUMNS} FROM releases r JOIN packages p ON p.id = r.package_id
             WHERE p.namespace = $1 AND p.name = $2 AND r.release = $3 ORDER BY r.media_type`,
      values: [ns, name, release],
    });
    return rows.map(toRecord);
  }

  async getIndex(ns: string, name: string): Promise<PackageIndex | undefined> {
    const key = `${ns}/${name}`;
    const { rows } = await this.pool.query<{ id: string; generation: string; created_at: Date }>({
      name: 'package-generation',
      text: 'SELECT id, generation, created_at FROM packages WHERE namespace = $1 AND name = $2',
      values: [ns, name],
    });
    const pkg = rows[0];
    if (!pkg) return undefined;
    const cached = this.indexCache.get(key);
    if (cached && cached.generation === pkg.generation)
      return cached.index.order.desc.length > 0 ? cached.index : undefined;
    const releases = await this.pool.query<{ release: string }>({
      name: 'package-releases',
      text: 'SELECT DISTINCT release FROM releases WHERE package_id = $1',
      values: [pkg.id],
    });
    const index: PackageIndex = {
      createdAt: pkg.created_at.toISOString(),
      order: orderReleases(releases.rows.map((r) => r.release)),
    };
    if (this.indexCache.size > 2000) this.indexCache.delete(this.indexCache.keys().next().value as string);
    this.indexCache.set(key, { generation: pkg.generation, index });
    return index.order.desc.length > 0 ? index : undefined;
  }

  async listManifests(ns: string, name: string): Promise<ReleaseRecord[]> {
    const { rows } = await this.pool.query<ReleaseRow>(
      `SELECT ${RELEASE_COLUMNS} FROM releases r JOIN packages p ON p.id = r.package_id WHERE p.namespace = $1 AND p.name = $2 ORDER BY r.media_type`,
      [ns, name],
    );
    const rank = new Map(orderReleases(rows.map((r) => r.release)).desc.map((r, i) => [r, i]));
    return rows
      .map(toRecord)
      .sort(
        (a, b) =>
          (rank.get(a.release) ?? 0) - (rank.get(b.release) ?? 0) || (a.mediaType < b.mediaType ? -1 : 1),
      );
  }

  async findByDigest(ns: string, name: string, digest: string): Promise<ReleaseRecord | undefined> {
    const { rows } = await this.pool.query<ReleaseRow>(
      `SELECT ${RELEASE_COLUMNS} FROM releases r JOIN packages p ON p.id = r.package_id
       WHERE p.namespace = $1 AND p.name = $2 AND (r.digest = $3 OR r.gzip_digest = $3) ORDER BY r.created_at LIMIT 1`,
      [ns, name, digest],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async deleteRelease(ns: string, name: string, release: string, mediaType: string): Promise<boolean> {
    return this.tx(async (c) => {
      const id = await this.lockPackage(c, ns, name, undefined);
      if (id === undefined) return false;
      const del = await c.query(
        'DELETE FROM releases WHERE package_id = $1 AND release = $2 AND media_type = $3',
        [id, release, mediaType],
      );
      if (del.rowCount === 0) return false;
      const others = await c.query('SELECT 1 FROM releases WHERE package_id = $1 AND release = $2 LIMIT 1', [
        id,
        release,
      ]);
      if (others.rowCount === 0) {
        const affected = await c.query<{ channel: string }>(
          'DELETE FROM channel_releases WHERE package_id = $1 AND release = $2 RETURNING channel',
          [id, release],
        );
        for (const { channel } of affected.rows) await this.settleChannel(c, id, channel, release);
      }
      return true;
    });
  }

  /** After `removed` left a channel: delete the channel if empty, else move current if it pointed there. */
  private async settleChannel(
    c: pg.PoolClient,
    id: string,
    channel: string,
    removed: string,
  ): Promise<ChannelRecord | undefined> {
    const { rows } = await c.query<{ release: string }>(
      'SELECT release FROM channel_releases WHERE package_id = $1 AND channel = $2',
      [id, channel],
    );
    if (rows.length === 0) {
      await c.query('DELETE FROM channels WHERE package_id = $1 AND name = $2', [id, channel]);
      return undefined;
    }
    const releases = rows.map((r) => r.release);
    const { rows: cur } = await c.query<{ current: string }>(
      'UPDATE channels SET current = CASE WHEN current = $3 THEN $4 ELSE current END WHERE package_id = $1 AND name = $2 RETURNING current',
      [id, channel, removed, highest(releases)],
    );
    return { name: channel, current: cur[0]?.current as string, releases: sortDesc(releases) };
  }

  async getBlob(gzipDigest: string): Promise<Buffer | undefined> {
    const { rows } = await this.pool.query<{ data: Buffer }>({
      name: 'get-blob',
      text: 'SELECT data FROM blobs WHERE digest = $1',
      values: [gzipDigest],
    });
    return rows[0]?.data;
  }

  async listPackages(filter: {
    namespace?: string;
    query?: string;
    mediaType?: string;
  }): Promise<PackageSummary[]> {
    const { rows } = await this.pool.query<{
      namespace: string;
      name: string;
      created_at: Date;
      releases: string[];
      media_types: string[];
    }>(
      `SELECT p.namespace, p.name, p.created_at, array_agg(DISTINCT r.release) AS releases, array_agg(DISTINCT r.media_type) AS media_types
       FROM packages p JOIN releases r ON r.package_id = p.id
       WHERE ($1::text IS NULL OR p.namespace = $1) AND ($2::text IS NULL OR strpos(p.namespace || '/' || p.name, $2) > 0)
       GROUP BY p.id HAVING ($3::text IS NULL OR $3 = ANY(array_agg(r.media_type)))
       ORDER BY p.namespace, p.name`,
      [filter.namespace ?? null, filter.query ?? null, filter.mediaType ?? null],
    );
    return rows.map((row) => {
      const order = orderReleases(row.releases);
      return {
        namespace: row.namespace,
        name: row.name,
        createdAt: row.created_at.toISOString(),
        releases: [...order.desc],
        defaultRelease: order.defaultRelease,
        mediaTypes: [...row.media_types].sort(),
      };
    });
  }

  async listChannels(ns: string, name: string): Promise<ChannelRecord[]> {
    const { rows } = await this.pool.query<{ name: string; current: string; releases: string[] }>({
      name: 'list-channels',
      text: `SELECT c.name, c.current, array_agg(cr.release) AS releases FROM channels c
             JOIN packages p ON p.id = c.package_id JOIN channel_releases cr ON cr.package_id = c.package_id AND cr.channel = c.name
             WHERE p.namespace = $1 AND p.name = $2 GROUP BY c.name, c.current ORDER BY c.name`,
      values: [ns, name],
    });
    return rows.map((r) => ({ name: r.name, current: r.current, releases: sortDesc(r.releases) }));
  }

  async addToChannel(ns: string, name: string, channel: string, release: string): Promise<ChannelRecord> {
    return this.tx(async (c) => {
      const id = await this.lockPackage(c, ns, name, undefined);
      const exists =
        id === undefined
          ? null
          : await c.query('SELECT 1 FROM releases WHERE package_id = $1 AND release = $2 LIMIT 1', [
              id,
              release,
            ]);
      if (!exists || exists.rowCount === 0)
        throw new StorageConflict('missing-release', `${ns}/${name}@${release} does not exist`);
      await c.query(
        'INSERT INTO channels(package_id, name, current) VALUES ($1, $2, $3) ON CONFLICT (package_id, name) DO UPDATE SET current = EXCLUDED.current',
        [id, channel, release],
      );
      await c.query(
        'INSERT INTO channel_releases(package_id, channel, release) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [id, channel, release],
      );
      const { rows } = await c.query<{ release: string }>(
        'SELECT release FROM channel_releases WHERE package_id = $1 AND channel = $2',
        [id, channel],
      );
      return { name: channel, current: release, releases: sortDesc(rows.map((r) => r.release)) };
    });
  }

  async removeFromChannel(
    ns: string,
    name: string,
    channel: string,
    release: string,
  ): Promise<ChannelRecord | undefined | 'absent'> {
    return this.tx(async (c) => {
      const id = await this.lockPackage(c, ns, name, undefined);
      if (id === undefined) return 'absent' as const;
      const ch = await c.query('SELECT 1 FROM channels WHERE package_id = $1 AND name = $2', [id, channel]);
      if (ch.rowCount === 0) return 'absent' as const;
      const del = await c.query(
        'DELETE FROM channel_releases WHERE package_id = $1 AND channel = $2 AND release = $3',
        [id, channel, release],
      );
      if (del.rowCount === 0)
        throw new StorageConflict('missing-release', `${release} is not in channel ${channel}`);
      return this.settleChannel(c, id, channel, release);
    });
  }

  async deleteChannel(ns: string, name: string, channel: string): Promise<boolean> {
    return this.tx(async (c) => {
      const id = await this.lockPackage(c, ns, name, undefined);
      if (id === undefined) return false;
      const del = await c.query('DELETE FROM channels WHERE package_id = $1 AND name = $2', [id, channel]);
      return (del.rowCount ?? 0) > 0;
    });
  }

  async addUser(user: UserRecord): Promise<void> {
    const { rowCount } = await this.pool.query(
      'INSERT INTO users(name, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
      [user.username, user.passwordHash, user.createdAt],
    );
    if (rowCount === 0) throw new StorageConflict('exists', `user ${user.username} already exists`);
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    const { rows } = await this.pool.query<{ name: string; password_hash: string; created_at: Date }>(
      'SELECT name, password_hash, created_at FROM users WHERE name = $1',
      [username],
    );
    const row = rows[0];
    return row
      ? { username: row.name, passwordHash: row.password_hash, createdAt: row.created_at.toISOString() }
      : undefined;
  }

  async setPassword(username: string, passwordHash: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE users SET password_hash = $2 WHERE name = $1', [
      username,
      passwordHash,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async removeUser(username: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM users WHERE name = $1', [username]);
    return (rowCount ?? 0) > 0;
  }

  async listUsers(): Promise<UserRecord[]> {
    const { rows } = await this.pool.query<{ name: string; password_hash: string; created_at: Date }>(
      'SELECT name, password_hash, created_at FROM users ORDER BY name',
    );
    return rows.map((row) => ({
      username: row.name,
      passwordHash: row.password_hash,
      createdAt: row.created_at.toISOString(),
    }));
  }

  async addToken(token: TokenRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO tokens(hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [token.hash, token.username, token.createdAt, token.expiresAt],
    );
    // Expired tokens can never authenticate again; dropping them keeps the table small.
    await this.pool.query("DELETE FROM tokens WHERE expires_at < now() - interval '1 day'");
  }

  async getToken(hash: string): Promise<TokenRecord | undefined> {
    const { rows } = await this.pool.query<{
      hash: string;
      username: string;
      created_at: Date;
      expires_at: Date;
      revoked_at: Date | null;
    }>({
      name: 'get-token',
      text: 'SELECT hash, username, created_at, expires_at, revoked_at FROM tokens WHERE hash = $1',
      values: [hash],
    });
    const row = rows[0];
    return row
      ? {
          hash: row.hash,
          username: row.username,
          createdAt: row.created_at.toISOString(),
          expiresAt: row.expires_at.toISOString(),
          revoked: row.revoked_at !== null,
        }
      : undefined;
  }

  async revokeToken(hash: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE tokens SET revoked_at = now() WHERE hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    return (rowCount ?? 0) > 0;
  }

  async revokeUserTokens(username: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      'UPDATE tokens SET revoked_at = now() WHERE username = $1 AND revoked_at IS NULL',
      [username],
    );
    return rowCount ?? 0;
  }

  async claimNamespace(namespace: string, username: string): Promise<NamespaceClaim> {
    const existing = await this.memberRole(namespace, username);
    if (existing.exists) return { role: existing.role, created: false };
    const created = await this.tx(async (c) => {
      const { rowCount } = await c.query(
        'INSERT INTO namespaces(name) VALUES ($1) ON CONFLICT (name) DO NOTHING',
        [namespace],
      );
      if (rowCount === 0) return false;
      await c.query("INSERT INTO namespace_members(namespace, username, role) VALUES ($1, $2, 'owner')", [
        namespace,
        username,
      ]);
      return true;
    });
    if (created) return { role: 'owner', created: true };
    return { role: (await this.memberRole(namespace, username)).role, created: false };
  }

  private async memberRole(
    namespace: string,
    username: string,
  ): Promise<{ exists: boolean; role: Role | undefined }> {
    const { rows } = await this.pool.query<{ role: Role | null }>({
      name: 'member-role',
      text: 'SELECT m.role FROM namespaces n LEFT JOIN namespace_members m ON m.namespace = n.name AND m.username = $2 WHERE n.name = $1',
      values: [namespace, username],
    });
    return rows[0] ? { exists: true, role: rows[0].role ?? undefined } : { exists: false, role: undefined };
  }

  async listMembers(namespace: string): Promise<MemberRecord[] | undefined> {
    const { rows } = await this.pool.query<{ username: string | null; role: Role | null }>({
      name: 'list-members',
      text: 'SELECT m.username, m.role FROM namespaces n LEFT JOIN namespace_members m ON m.namespace = n.name WHERE n.name = $1 ORDER BY m.username',
      values: [namespace],
    });
    if (rows.length === 0) return undefined;
    return rows
      .filter((r) => r.username !== null)
      .map((r) => ({ username: r.username as string, role: r.role as Role }));
  }

  async setMember(namespace: string, username: string, role: Role): Promise<void> {
    await this.tx(async (c) => {
      await c.query('INSERT INTO namespaces(name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [namespace]);
      await c.query('SELECT 1 FROM namespaces WHERE name = $1 FOR UPDATE', [namespace]);
      if (role !== 'owner') await this.assertAnotherOwner(c, namespace, username);
      try {
        await c.query(
          'INSERT INTO namespace_members(namespace, username, role) VALUES ($1, $2, $3) ON CONFLICT (namespace, username) DO UPDATE SET role = EXCLUDED.role',
          [namespace, username, role],
        );
      } catch (err) {
        if ((err as { code?: string }).code === '23503')
          throw new StorageConflict('missing-user', `user ${username} does not exist`);
        throw err;
      }
    });
  }

  /** Throws when `username` is the namespace's only owner (the caller holds the namespace row lock). */
  private async assertAnotherOwner(c: pg.PoolClient, namespace: string, username: string): Promise<void> {
    const { rows } = await c.query<{ username: string }>(
      "SELECT username FROM namespace_members WHERE namespace = $1 AND role = 'owner'",
      [namespace],
    );
    if (rows.length === 1 && rows[0]?.username === username)
      throw new StorageConflict('in-use', `${username} is the last owner of ${namespace}`);
  }

  async removeMember(namespace: string, username: string): Promise<boolean> {
    return this.tx(async (c) => {
      const ns = await c.query('SELECT 1 FROM namespaces WHERE name = $1 FOR UPDATE', [namespace]);
      if (ns.rowCount === 0) return false;
      await this.assertAnotherOwner(c, namespace, username);
      const del = await c.query('DELETE FROM namespace_members WHERE namespace = $1 AND username = $2', [
        namespace,
        username,
      ]);
      return (del.rowCount ?? 0) > 0;
    });
  }
}
