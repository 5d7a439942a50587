/**
 * Schema migrations of the PostgreSQL back end, applied in order at start inside one transaction
 * under an advisory lock, so several replicas starting together migrate exactly once. Append new
 * steps; never edit an applied one.
 */

/** Ordered migration steps; the index + 1 is the schema version. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    name text PRIMARY KEY,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE tokens (
    hash text PRIMARY KEY CHECK (hash ~ '^[a-f0-9]{64}$'),
    username text NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
  );
  CREATE INDEX tokens_username ON tokens(username);
  CREATE TABLE namespaces (
    name text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE namespace_members (
    namespace text NOT NULL REFERENCES namespaces(name) ON DELETE CASCADE,
    username text NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('owner', 'member')),
    PRIMARY KEY (namespace, username)
  );
  CREATE TABLE blobs (
    digest text PRIMARY KEY CHECK (digest ~ '^[a-f0-9]{64}$'),
    size integer NOT NULL CHECK (size > 0),
    data bytea NOT NULL
  );
  CREATE TABLE packages (
    id bigserial PRIMARY KEY,
    namespace text NOT NULL,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    generation bigint NOT NULL DEFAULT 0,
    UNIQUE (namespace, name)
  );
  CREATE TABLE releases (
    package_id bigint NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
    release text NOT NULL,
    media_type text NOT NULL,
    digest text NOT NULL CHECK (digest ~ '^[a-f0-9]{64}$'),
    gzip_digest text NOT NULL REFERENCES blobs(digest),
    size integer NOT NULL,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (package_id, release, media_type)
  );
  CREATE INDEX releases_digest ON releases(package_id, digest);
  CREATE INDEX releases_gzip_digest ON releases(package_id, gzip_digest);
  CREATE TABLE channels (
    package_id bigint NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
    name text NOT NULL,
    current text NOT NULL,
    PRIMARY KEY (package_id, name)
  );
  CREATE TABLE channel_releases (
    package_id bigint NOT NULL,
    channel text NOT NULL,
    release text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (package_id, channel, release),
    FOREIGN KEY (package_id, channel) REFERENCES channels(package_id, name) ON DELETE CASCADE
  );
  CREATE INDEX channel_releases_release ON channel_releases(package_id, release);
  `,
];
