/**
 * Package references as users type them. One parser decides whether a string names a local
 * directory, a local tarball, an appr registry release or an OCI artifact, so every command that
 * takes a REF (generate, deploy, pull, show, …) accepts the same forms.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import semver from 'semver';
import { InputError } from '../errors.js';

/** `namespace/name` part rule from the package format (DESIGN §3). */
export const NAME_PART = /^[a-z0-9][a-z0-9-_]{1,62}$/;
/** Channel names follow the same rule as name parts, plus dots (`1.x`). */
export const CHANNEL_NAME = /^[a-z0-9][a-z0-9-_.]{0,62}$/;
export const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** What a reference names, once parsed. */
export type PackageReference =
  | { kind: 'directory'; path: string; raw: string }
  | { kind: 'tarball'; path: string; raw: string }
  | RegistryReference
  | OciReference;

/** `[registry/]namespace/name[@version|@range|@sha256:hex|:channel]`. */
export interface RegistryReference {
  kind: 'registry';
  raw: string;
  /** Registry as written (host[:port] or URL), when the reference names one. */
  registry?: string;
  /** `namespace/name`. */
  name: string;
  /** An exact version or a semver range. */
  version?: string;
  digest?: string;
  channel?: string;
}

/**
 * `oci://host[:port]/path/namespace/name` followed by `@version`, `@range`, `@sha256:…` (a
 * manifest digest, as OCI addresses content), `:version` (the release tag) or `:channel` (a
 * channel tag). The registry part, `oci://host[:port]/path`, is what `push --registry` takes;
 * the package's `namespace/name` is always the last two path components (Helm's rule: registry
 * plus chart name).
 */
export interface OciReference {
  kind: 'oci';
  raw: string;
  host: string;
  /** Full repository path: `path/namespace/name`. */
  repository: string;
  /** The path between the host and the package name ('' when the package sits at the root). */
  prefix: string;
  /** `namespace/name`. */
  name: string;
  /** An exact version or a semver range. */
  version?: string;
  channel?: string;
  /** A manifest digest. */
  digest?: string;
}

/** `oci://host[:port]/path` as `push --registry`, `--registry` and dependency `registry:` take it. */
export interface OciRegistry {
  host: string;
  prefix: string;
}

/** Validates `namespace/name`, naming the offending part. */
export function checkPackageName(name: string, what = 'package name'): void {
  const parts = name.split('/');
  if (parts.length !== 2 || !parts.every((p) => NAME_PART.test(p))) {
    throw new InputError(`${what} ${JSON.stringify(name)} is not of the form namespace/name`, {
      hint: 'each part is 2-63 characters of a-z, 0-9, - and _, starting with a letter or digit (e.g. stackanetes/keystone)',
    });
  }
}

export function checkChannelName(channel: string): void {
  if (!CHANNEL_NAME.test(channel)) {
    throw new InputError(`channel ${JSON.stringify(channel)} is not a valid channel name`, {
      hint: 'use a-z, 0-9, -, _ and . (e.g. stable, beta, 1.x)',
    });
  }
}

function looksLocal(raw: string): boolean {
  return (
    raw.startsWith('./') ||
    raw.startsWith('../') ||
    raw === '.' ||
    raw === '..' ||
    isAbsolute(raw) ||
    raw.startsWith('~/')
  );
}

/**
 * Parses a reference. A string that is an existing path (relative to `cwd`) or starts like a path
 * is local, so `packages/keystone` in a checkout opens the directory even though it also looks like
 * `namespace/name`.
 */
export function parseReference(raw: string, cwd: string): PackageReference {
  const text = raw.trim();
  if (text === '')
    throw new InputError('empty package reference', {
      hint: 'name a directory, a .tar.gz, namespace/name or oci://host/repo:version',
    });
  if (text.startsWith('oci://')) return parseOciReference(text);
  const isTarball = /\.(tar\.gz|tgz)$/.test(text);
  const path = resolvePath(cwd, text.startsWith('~/') ? text.replace(/^~/, process.env.HOME ?? '~') : text);
  if (looksLocal(text) || existsSync(path) || isTarball) {
    return isTarball ? { kind: 'tarball', path, raw } : { kind: 'directory', path, raw };
  }
  return parseRegistryReference(text);
}

/** Parses `[registry/]namespace/name[@version|:channel|@sha256:…]` (no local-path detection). */
export function parseRegistryReference(raw: string): RegistryReference {
  let text = raw;
  let scheme = '';
  const schemeMatch = /^(https?:\/\/)/.exec(text);
  if (schemeMatch) {
    scheme = schemeMatch[1] ?? '';
    text = text.slice(scheme.length);
  }
  const segments = text.split('/');
  if (segments.length < 2 || segments.length > 3 || segments.some((s) => s === '')) {
    throw new InputError(
      `package reference ${JSON.stringify(raw)} is not of the form [registry/]namespace/name[@version|:channel]`,
      {
        hint: 'e.g. stackanetes/keystone@0.3.0, registry.example.com/stackanetes/keystone:stable, or a directory path',
      },
    );
  }
  const registry = segments.length === 3 ? `${scheme}${segments[0]}` : scheme ? undefined : undefined;
  if (scheme && segments.length !== 3) {
    throw new InputError(`package reference ${JSON.stringify(raw)} has a URL scheme but no registry host`, {
      hint: 'write https://host/namespace/name',
    });
  }
  const namespace = segments[segments.length - 2] ?? '';
  let last = segments[segments.length - 1] ?? '';
  const ref: RegistryReference = { kind: 'registry', raw, name: '' };
  if (registry) ref.registry = registry;
  const at = last.indexOf('@');
  const colon = last.indexOf(':');
  if (at >= 0) {
    const selector = last.slice(at + 1);
    last = last.slice(0, at);
    if (selector.startsWith('sha256:')) {
      if (!DIGEST.test(selector)) {
        throw new InputError(
          `digest ${JSON.stringify(selector)} in ${JSON.stringify(raw)} is not sha256: followed by 64 lower-case hex digits`,
        );
      }
      ref.digest = selector;
    } else if (selector === '') {
      throw new InputError(`package reference ${JSON.stringify(raw)} has an empty version after @`);
    } else {
      ref.version = selector;
    }
  } else if (colon >= 0) {
    const channel = last.slice(colon + 1);
    last = last.slice(0, colon);
    checkChannelName(channel);
    ref.channel = channel;
  }
  ref.name = `${namespace}/${last}`;
  checkPackageName(ref.name, `package name in reference ${JSON.stringify(raw)}:`);
  return ref;
}

const OCI_PATH = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/** Parses `oci://host[:port][/path]` (a registry, no package name). */
export function parseOciRegistry(raw: string): OciRegistry {
  const rest = raw
    .trim()
    .replace(/^oci:\/\//, '')
    .replace(/\/+$/, '');
  const [host = '', ...path] = rest.split('/');
  if (
    !raw.trim().startsWith('oci://') ||
    host === '' ||
    !/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-f:]+\](:\d+)?$/.test(host)
  )
    throw new InputError(`OCI registry ${JSON.stringify(raw)} is not of the form oci://host[:port][/path]`, {
      hint: 'e.g. oci://registry.example.com/team',
    });
  const prefix = path.join('/');
  if (prefix !== '' && !OCI_PATH.test(prefix))
    throw new InputError(
      `path ${JSON.stringify(prefix)} in ${JSON.stringify(raw)} is not a valid OCI repository path`,
      {
        hint: 'use lower-case path components separated by /',
      },
    );
  return { host, prefix };
}

/** The repository of package `name` under an OCI registry: `prefix/namespace/name`. */
export function ociRepository(registry: OciRegistry, name: string): string {
  return registry.prefix ? `${registry.prefix}/${name}` : name;
}

/** Parses `oci://host/path/namespace/name[@version|@range|@sha256:…|:version|:channel]`. */
export function parseOciReference(raw: string): OciReference {
  const rest = raw.slice('oci://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) {
    throw new InputError(
      `OCI reference ${JSON.stringify(raw)} is not of the form oci://host[/path]/namespace/name[@version|:channel]`,
    );
  }
  const host = rest.slice(0, slash);
  let path = rest.slice(slash + 1);
  const selector: { version?: string; channel?: string; digest?: string } = {};
  const at = path.indexOf('@');
  if (at >= 0) {
    const wanted = path.slice(at + 1);
    path = path.slice(0, at);
    if (wanted.startsWith('sha256:')) {
      if (!DIGEST.test(wanted))
        throw new InputError(
          `digest ${JSON.stringify(wanted)} in ${JSON.stringify(raw)} is not sha256: followed by 64 hex digits`,
        );
      selector.digest = wanted;
    } else if (wanted === '' || semver.validRange(wanted) === null) {
      throw new InputError(
        `${JSON.stringify(wanted)} in ${JSON.stringify(raw)} is not a version or semver range`,
        {
          hint: 'e.g. @1.2.0 or @^1.2, or :stable for a channel',
        },
      );
    } else selector.version = wanted;
  } else {
    const colon = path.lastIndexOf(':');
    if (colon > path.lastIndexOf('/')) {
      const tag = path.slice(colon + 1);
      path = path.slice(0, colon);
      if (semver.valid(tag) === tag) selector.version = tag;
      else {
        checkChannelName(tag);
        selector.channel = tag;
      }
    }
  }
  if (!OCI_PATH.test(path)) {
    throw new InputError(
      `repository ${JSON.stringify(path)} in ${JSON.stringify(raw)} is not a valid OCI repository name`,
      {
        hint: 'use lower-case path components separated by /',
      },
    );
  }
  const parts = path.split('/');
  if (parts.length < 2)
    throw new InputError(
      `OCI reference ${JSON.stringify(raw)} does not end in a package name namespace/name`,
      {
        hint: `packages live at oci://host/path/namespace/name, as push --registry oci://host/path puts them`,
      },
    );
  const name = parts.slice(-2).join('/');
  checkPackageName(name, `package name in reference ${JSON.stringify(raw)}:`);
  return {
    kind: 'oci',
    raw,
    host,
    repository: path,
    prefix: parts.slice(0, -2).join('/'),
    name,
    ...selector,
  };
}

/** The OCI reference for `name[selector]` under an OCI registry, as if written in full. */
export function ociReferenceFor(registry: string, ref: RegistryReference): OciReference {
  const parsed = parseOciRegistry(registry);
  const selector = ref.digest
    ? `@${ref.digest}`
    : ref.version
      ? `@${ref.version}`
      : ref.channel
        ? `:${ref.channel}`
        : '';
  return parseOciReference(`oci://${parsed.host}/${ociRepository(parsed, ref.name)}${selector}`);
}

/** The reference of a dependency entry as it would be written on the command line, for messages. */
export function describeConstraint(entry: { version?: string; channel?: string; digest?: string }): string {
  if (entry.digest) return `@${entry.digest}`;
  if (entry.channel) return `:${entry.channel}`;
  if (entry.version) return `@${entry.version}`;
  return '(highest stable)';
}
