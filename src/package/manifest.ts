/**
 * manifest.yaml parsing and validation. Every rule failure names the file, the field path and the
 * bad value, so a package author can fix it without reading our sources.
 */
import semver from 'semver';
import { parseYaml } from '../util/yaml.js';
import { InputError } from '../errors.js';
import { MAX_EXPANDED_VALUES, expandedSize } from './yaml-limits.js';
import {
  SELF,
  type DependencyEntry,
  type LibraryEntry,
  type PackageManifest,
  type PackageScope,
  type PackageMeta,
  type ResourceEntry,
} from './types.js';

const NAME_PART = /^[a-z0-9][a-z0-9-_]{1,62}$/;
/** A `when` condition: an optional `!` and a dotted variable path. */
export const WHEN_PATTERN = /^!?[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Why a package name is invalid, or undefined when it is valid (`namespace/name`, parts `[a-z0-9][a-z0-9-_]{1,62}`). */
export function packageNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string "namespace/name"';
  const parts = name.split('/');
  if (parts.length !== 2) return 'must be "namespace/name" with exactly one "/"';
  for (const part of parts) {
    if (!NAME_PART.test(part)) return `part "${part}" must match [a-z0-9][a-z0-9-_]{1,62}`;
  }
  return undefined;
}

/** Throws unless `name` is a valid package name; `where` says which file/field it came from. */
export function assertPackageName(name: unknown, where: string): asserts name is string {
  const problem = packageNameProblem(name);
  if (problem) {
    throw new InputError(`${where}: invalid package name ${JSON.stringify(name)}: ${problem}`, {
      hint: 'use lower-case "namespace/name", e.g. "stackanetes/keystone"',
    });
  }
}

/** The name part of `namespace/name` (`keystone` for `stackanetes/keystone`). */
export function shortName(name: string): string {
  const slash = name.indexOf('/');
  return slash < 0 ? name : name.slice(slash + 1);
}

function fail(file: string, field: string, message: string, hint?: string): never {
  throw new InputError(`${file}: ${field}: ${message}`, hint ? { hint } : {});
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function optionalString(
  obj: Record<string, unknown>,
  key: string,
  file: string,
  field: string,
): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(file, `${field}.${key}`, `must be a string, got ${show(value)}`);
  return value;
}

function checkKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  file: string,
  field: string,
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      fail(file, `${field}.${key}`, `unknown field`, `allowed fields: ${allowed.join(', ')}`);
    }
  }
}

function checkWhen(value: unknown, file: string, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !WHEN_PATTERN.test(value)) {
    fail(
      file,
      field,
      `invalid condition ${show(value)}`,
      'use a variable path such as "ceph.enabled" or "!ceph.enabled"',
    );
  }
  return value;
}

function parseMeta(value: unknown, file: string): PackageMeta {
  if (!isRecord(value)) fail(file, 'package', `must be a map with name and version, got ${show(value)}`);
  checkKeys(value, ['name', 'version', 'description', 'author', 'license', 'kind'], file, 'package');
  const name = value.name;
  const problem = packageNameProblem(name);
  if (problem)
    fail(
      file,
      'package.name',
      `invalid package name ${show(name)}: ${problem}`,
      'use lower-case "namespace/name", e.g. "stackanetes/keystone"',
    );
  const version = value.version;
  if (typeof version !== 'string' || semver.valid(version) !== version) {
    fail(
      file,
      'package.version',
      `invalid version ${show(version)}: must be semver 2.0 such as "0.3.0"`,
      'quote the version and give MAJOR.MINOR.PATCH',
    );
  }
  const meta: PackageMeta = { name: name as string, version };
  for (const key of ['description', 'author', 'license'] as const) {
    const text = optionalString(value, key, file, 'package');
    if (text !== undefined) meta[key] = text;
  }
  const kind = value.kind;
  if (kind !== undefined && kind !== null) {
    if (kind !== 'application' && kind !== 'library')
      fail(file, 'package.kind', `must be "application" or "library", got ${show(kind)}`);
    if (kind === 'library') meta.kind = kind;
  }
  return meta;
}

function parseResources(value: unknown, file: string): ResourceEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(file, 'resources', `must be a list of {file, when}, got ${show(value)}`);
  const seen = new Set<string>();
  return value.map((item: unknown, i) => {
    const field = `resources[${i}]`;
    const entry: unknown = typeof item === 'string' ? { file: item } : item;
    if (!isRecord(entry)) fail(file, field, `must be a map {file, when}, got ${show(item)}`);
    checkKeys(entry, ['file', 'when'], file, field);
    const path = entry.file;
    if (typeof path !== 'string' || path === '')
      fail(file, `${field}.file`, `must be a template path, got ${show(path)}`);
    if (path.startsWith('/') || path.split('/').includes('..')) {
      fail(file, `${field}.file`, `${show(path)} must be a relative path inside the package`);
    }
    if (seen.has(path)) fail(file, `${field}.file`, `${show(path)} is listed twice`);
    seen.add(path);
    const resource: ResourceEntry = { file: path };
    const when = checkWhen(entry.when, file, `${field}.when`);
    if (when !== undefined) resource.when = when;
    return resource;
  });
}

function parseDependencies(
  value: unknown,
  file: string,
  own: string,
  list: 'dependencies' | 'libraries' = 'dependencies',
): DependencyEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(file, list, `must be a list, got ${show(value)}`);
  const seen = new Set<string>();
  return value.map((item: unknown, i) => {
    const field = `${list}[${i}]`;
    if (!isRecord(item))
      fail(file, field, `must be a map {name, version|channel|digest, variables, when}, got ${show(item)}`);
    checkKeys(item, ['name', 'version', 'channel', 'digest', 'registry', 'variables', 'when'], file, field);
    const name = item.name;
    if (name !== SELF) {
      const problem = packageNameProblem(name);
      if (problem)
        fail(
          file,
          `${field}.name`,
          `invalid package name ${show(name)}: ${problem}`,
          `use "namespace/name" or "${SELF}"`,
        );
      if (name === own)
        fail(
          file,
          `${field}.name`,
          `${show(name)} is this package itself`,
          `use "${SELF}" to place its own resources`,
        );
    }
    if (seen.has(name as string)) fail(file, `${field}.name`, `${show(name)} is listed twice`);
    seen.add(name as string);
    const entry: DependencyEntry = { name: name as string };
    const pins = (['version', 'channel', 'digest'] as const).filter(
      (k) => item[k] !== undefined && item[k] !== null,
    );
    if (name === SELF) {
      if (pins.length > 0 || item.variables !== undefined) {
        fail(file, field, `${SELF} takes no version, channel, digest or variables`);
      }
    } else if (pins.length > 1) {
      fail(file, field, `give exactly one of version, channel or digest, got ${pins.join(' and ')}`);
    }
    const version = optionalString(item, 'version', file, field);
    if (version !== undefined) {
      if (semver.validRange(version) === null)
        fail(
          file,
          `${field}.version`,
          `invalid semver range ${show(version)}`,
          'use a range such as "^0.3.0" or ">=1.2.0 <2.0.0"',
        );
      entry.version = version;
    }
    const channel = optionalString(item, 'channel', file, field);
    if (channel !== undefined) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(channel))
        fail(file, `${field}.channel`, `invalid channel name ${show(channel)}`);
      entry.channel = channel;
    }
    const digest = optionalString(item, 'digest', file, field);
    if (digest !== undefined) {
      if (!DIGEST.test(digest))
        fail(
          file,
          `${field}.digest`,
          `invalid digest ${show(digest)}`,
          'use "sha256:" followed by 64 lower-case hex digits',
        );
      entry.digest = digest;
    }
    const registry = list === 'dependencies' ? optionalString(item, 'registry', file, field) : undefined;
    if (registry !== undefined) {
      if (name === SELF) fail(file, `${field}.registry`, `${SELF} takes no registry`);
      if (!/^(oci|https?):\/\/[^/\s]+(\/\S*)?$/.test(registry))
        fail(
          file,
          `${field}.registry`,
          `invalid registry ${show(registry)}`,
          'use oci://host[:port]/path or an App Registry URL (https://host)',
        );
      entry.registry = registry;
    }
    if (item.variables !== undefined && item.variables !== null) {
      if (!isRecord(item.variables))
        fail(file, `${field}.variables`, `must be a map, got ${show(item.variables)}`);
      entry.variables = item.variables;
    }
    const when = checkWhen(item.when, file, `${field}.when`);
    if (when !== undefined) entry.when = when;
    return entry;
  });
}

/** Parses `libraries:`: library packages by name and version range, channel or digest (at most one). */
function parseLibraries(value: unknown, file: string, own: string): LibraryEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    fail(file, 'libraries', `must be a list of {name, version|channel|digest}, got ${show(value)}`);
  const byShortName = new Map<string, string>();
  value.forEach((item: unknown, i) => {
    const field = `libraries[${i}]`;
    if (!isRecord(item)) fail(file, field, `must be a map {name, version|channel|digest}, got ${show(item)}`);
    checkKeys(item, ['name', 'version', 'channel', 'digest'], file, field);
    const name = item.name;
    const problem = packageNameProblem(name);
    if (problem) fail(file, `${field}.name`, `invalid package name ${show(name)}: ${problem}`);
    const short = shortName(name as string);
    const clash = byShortName.get(short);
    if (clash !== undefined && clash !== name)
      fail(
        file,
        `${field}.name`,
        `${show(name)} and ${show(clash)} would both provide the partials "${short}/…"`,
        'use only one library of each short name',
      );
    byShortName.set(short, name as string);
  });
  // The version/channel/digest rules (and "listed twice", "this package itself") are the dependency rules.
  return parseDependencies(value, file, own, 'libraries').map((d) => {
    const out: LibraryEntry = { name: d.name };
    if (d.version !== undefined) out.version = d.version;
    if (d.channel !== undefined) out.channel = d.channel;
    if (d.digest !== undefined) out.digest = d.digest;
    return out;
  });
}

/** A library is partials and a README: anything that renders or configures is an error here. */
function checkLibrary(data: Record<string, unknown>, file: string): void {
  const hint =
    'a library holds only partials (templates/**/_name.hbs) and a README; put resources in the package that uses it';
  for (const [key, what] of [
    ['resources', 'renders nothing itself, so it has no resources'],
    ['dependencies', 'is not deployed, so it has no dependencies'],
    ['libraries', 'cannot use other libraries (list them in the package that uses this one)'],
    ['variables', 'has no variables: its partials see the variables of the package that uses them'],
  ] as const) {
    const value = data[key];
    const empty =
      value === undefined ||
      value === null ||
      (Array.isArray(value) && value.length === 0) ||
      (isRecord(value) && Object.keys(value).length === 0);
    if (!empty) fail(file, key, `a library package (package.kind: library) ${what}`, hint);
  }
}

/**
 * Parses one YAML document (YAML 1.2 core schema: no timestamps, duplicate keys rejected), turning
 * syntax errors into one line with file, line and column.
 */
export function parseYamlFile(text: string, file: string): unknown {
  let data: unknown;
  try {
    data = parseYaml(text, file);
  } catch (err) {
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const reason = (
      (err as { reason?: string }).reason ?? (err instanceof Error ? err.message : String(err))
    ).split('\n')[0];
    const where = mark ? `${file}:${mark.line + 1}:${mark.column + 1}` : file;
    throw new InputError(`${where}: invalid YAML: ${reason}`);
  }
  if (expandedSize(data, MAX_EXPANDED_VALUES) > MAX_EXPANDED_VALUES)
    throw new InputError(`${file}: expands to more than ${MAX_EXPANDED_VALUES} values through YAML aliases`);
  return data;
}

/** Parses and validates manifest.yaml; `file` is how messages name it. */
export function parseManifest(text: string, file: string): PackageManifest {
  const data = parseYamlFile(text, file);
  if (!isRecord(data))
    fail(
      file,
      '(top level)',
      `must be a map with package, variables, resources, dependencies; got ${show(data)}`,
    );
  checkKeys(
    data,
    ['package', 'variables', 'resources', 'dependencies', 'libraries', 'scope'],
    file,
    '(top level)',
  );
  const meta = parseMeta(data.package, file);
  if (meta.kind === 'library') checkLibrary(data, file);
  let variables: Record<string, unknown> = {};
  if (data.variables !== undefined && data.variables !== null) {
    if (!isRecord(data.variables)) fail(file, 'variables', `must be a map, got ${show(data.variables)}`);
    variables = data.variables;
  }
  const resources = parseResources(data.resources, file);
  const dependencies = parseDependencies(data.dependencies, file, meta.name);
  const libraries = parseLibraries(data.libraries, file, meta.name);
  const manifest: PackageManifest = { package: meta, variables, resources, dependencies };
  if (libraries.length > 0) manifest.libraries = libraries;
  const scope = parseScope(data.scope, file);
  if (scope) manifest.scope = scope;
  return manifest;
}

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SCOPE_HINT = 'write `scope: cluster`, or `scope: {cluster: true, namespaces: [kube-system]}`';

/** Parses `scope:` (`cluster`, or `{cluster: bool, namespaces: [NS…]}`). */
function parseScope(value: unknown, file: string): PackageScope | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'cluster') return { cluster: true, namespaces: [] };
  if (!isRecord(value)) fail(file, 'scope', `must be "cluster" or a map, got ${show(value)}`, SCOPE_HINT);
  checkKeys(value, ['cluster', 'namespaces'], file, 'scope');
  if (value.cluster !== undefined && typeof value.cluster !== 'boolean')
    fail(file, 'scope.cluster', `must be true or false, got ${show(value.cluster)}`);
  const namespaces = value.namespaces ?? [];
  if (!Array.isArray(namespaces))
    fail(file, 'scope.namespaces', `must be a list of namespace names, got ${show(namespaces)}`, SCOPE_HINT);
  namespaces.forEach((ns: unknown, i) => {
    if (typeof ns !== 'string' || !NAMESPACE_NAME.test(ns))
      fail(file, `scope.namespaces[${i}]`, `${show(ns)} is not a namespace name`);
  });
  return { cluster: value.cluster === true, namespaces: [...new Set(namespaces as string[])] };
}
