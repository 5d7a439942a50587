/**
 * The storage interface of the registry. Each method is one atomic change or one consistent
 * read, so the filesystem and PostgreSQL back ends can guarantee the same things (a push is
 * visible only when complete; uniqueness and channel updates are decided by the store, never by
 * process memory) and pass one contract suite.
 */
import type { ReleaseOrder } from '../releases.js';

/** One manifest: a (release, media type) of a package and its blob. */
export interface ReleaseRecord {
  namespace: string;
  name: string;
  release: string;
  mediaType: string;
  /** sha256 hex of the gunzipped tar (appr digest). */
  digest: string;
  /** sha256 hex of the .tar.gz bytes; the blob's storage key. */
  gzipDigest: string;
  /** Bytes of the .tar.gz. */
  size: number;
  metadata: unknown;
  /** ISO-8601. */
  createdAt: string;
}

/** A release channel. */
export interface ChannelRecord {
  name: string;
  current: string;
  /** semver descending. */
  releases: string[];
}

/** A package in listings. */
export interface PackageSummary {
  namespace: string;
  name: string;
  createdAt: string;
  /** semver descending. */
  releases: string[];
  defaultRelease: string | undefined;
  mediaTypes: string[];
}

/** A release index snapshot; back ends cache it until the package changes. */
export interface PackageIndex {
  createdAt: string;
  order: ReleaseOrder;
}

/** A user's rights in a namespace: owners also manage members. */
export type Role = 'owner' | 'member';

/** One member of a namespace. */
export interface MemberRecord {
  username: string;
  role: Role;
}

/** An account; the password only as its scrypt hash. */
export interface UserRecord {
  username: string;
  passwordHash: string;
  createdAt: string;
}

/** A login token as stored: its hash, owner, lifetime and revocation. */
export interface TokenRecord {
  /** sha256 hex of the token; the token itself is never stored. */
  hash: string;
  username: string;
  createdAt: string;
  expiresAt: string;
  revoked: boolean;
}

/** How a push treats an existing (release, media type). */
export interface PutReleaseOptions {
  /** Replace an existing (release, media type). */
  force: boolean;
}

/** Result of claimNamespace: the caller's role after the call, and whether it just became owner. */
export interface NamespaceClaim {
  role: Role | undefined;
  created: boolean;
}

/** Everything the HTTP layer needs from a store. */
export interface Storage {
  /** `filesystem` or `postgres`, for logs and metrics. */
  readonly kind: string;
  /** Creates directories or applies migrations; safe to run from several processes at once. */
  init(): Promise<void>;
  /** True when the store can serve requests (for /readyz). */
  ready(): Promise<boolean>;
  close(): Promise<void>;

  /** Stores the blob and the manifest atomically; throws StorageConflict('exists') unless force. */
  putRelease(
    record: ReleaseRecord,
    blob: Buffer,
    options: PutReleaseOptions,
  ): Promise<'created' | 'replaced'>;
  /** Manifests of one exact release (every media type), empty when absent. */
  getRelease(namespace: string, name: string, release: string): Promise<ReleaseRecord[]>;
  /** Release order of a package, or undefined when it has no releases. */
  getIndex(namespace: string, name: string): Promise<PackageIndex | undefined>;
  /** Every manifest of a package, newest release first. */
  listManifests(namespace: string, name: string): Promise<ReleaseRecord[]>;
  /** The manifest whose appr or gzip digest is `digest`. */
  findByDigest(namespace: string, name: string, digest: string): Promise<ReleaseRecord | undefined>;
  /** Removes a manifest; when it was the release's last media type, also from every channel. */
  deleteRelease(namespace: string, name: string, release: string, mediaType: string): Promise<boolean>;
  /** The blob stored under a gzip digest. */
  getBlob(gzipDigest: string): Promise<Buffer | undefined>;
  /** Packages, optionally of one namespace, whose `ns/name` contains `query`, with a media type. */
  listPackages(filter: { namespace?: string; query?: string; mediaType?: string }): Promise<PackageSummary[]>;

  listChannels(namespace: string, name: string): Promise<ChannelRecord[]>;
  /** Adds a release to a channel (creating it) and makes it current; StorageConflict('missing-release') if absent. */
  addToChannel(namespace: string, name: string, channel: string, release: string): Promise<ChannelRecord>;
  /** Removes a release; current falls back to the highest remaining; the last removal deletes the channel. */
  removeFromChannel(
    namespace: string,
    name: string,
    channel: string,
    release: string,
  ): Promise<ChannelRecord | undefined | 'absent'>;
  deleteChannel(namespace: string, name: string, channel: string): Promise<boolean>;

  addUser(user: UserRecord): Promise<void>;
  getUser(username: string): Promise<UserRecord | undefined>;
  setPassword(username: string, passwordHash: string): Promise<boolean>;
  /** Removes the user, their tokens and memberships. */
  removeUser(username: string): Promise<boolean>;
  listUsers(): Promise<UserRecord[]>;

  addToken(token: TokenRecord): Promise<void>;
  getToken(hash: string): Promise<TokenRecord | undefined>;
  revokeToken(hash: string): Promise<boolean>;
  /** Revokes every token of a user; returns how many were live. */
  revokeUserTokens(username: string): Promise<number>;

  /** Makes `username` owner of a namespace nobody owns yet; returns the caller's role either way. */
  claimNamespace(namespace: string, username: string): Promise<NamespaceClaim>;
  /** Members of a namespace, or undefined when the namespace is unclaimed. */
  listMembers(namespace: string): Promise<MemberRecord[] | undefined>;
  /** Adds or changes a member; StorageConflict('missing-user') if the user does not exist. */
  setMember(namespace: string, username: string, role: Role): Promise<void>;
  /** Removes a member; StorageConflict('in-use') when it would leave the namespace without an owner. */
  removeMember(namespace: string, username: string): Promise<boolean>;
}
