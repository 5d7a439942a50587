/** Builds packages and sources from object literals, so render tests need no files on disk. */
import { join } from 'node:path';
import { packageFromFiles } from '../../src/package/load.js';
import type { PackageSource } from '../../src/package/source.js';
import type { DependencyEntry, LoadedPackage } from '../../src/package/types.js';
import { NotFoundError } from '../../src/errors.js';
import { repoRoot } from '../helpers/cli.js';

/** Where the render fixtures live. */
export const fixtures = join(repoRoot, 'test', 'fixtures', 'render');

/** A package from its files; `manifest.yaml` is required. */
export function memoryPackage(files: Record<string, string>, location = 'memory'): LoadedPackage {
  return packageFromFiles(
    new Map(Object.entries(files)),
    { kind: 'directory', location },
    `${location}/manifest.yaml`,
  );
}

/** A manifest.yaml text with the given variables and resources (YAML-embedded as JSON). */
export function manifest(
  name: string,
  parts: { variables?: unknown; resources?: unknown; dependencies?: unknown; version?: string } = {},
): string {
  return [
    `package: {name: ${name}, version: ${parts.version ?? '1.0.0'}}`,
    `variables: ${JSON.stringify(parts.variables ?? {})}`,
    `resources: ${JSON.stringify(parts.resources ?? [])}`,
    `dependencies: ${JSON.stringify(parts.dependencies ?? [])}`,
    '',
  ].join('\n');
}

/** A source over in-memory packages keyed by name; open() takes a name too. */
export function memorySource(packages: readonly LoadedPackage[]): PackageSource {
  const byName = new Map(packages.map((p) => [p.manifest.package.name, p]));
  const find = (name: string): LoadedPackage => {
    const pkg = byName.get(name);
    if (!pkg) throw new NotFoundError(`no package ${name}`);
    return pkg;
  };
  return {
    open: async (reference: string) => find(reference),
    dependency: async (_parent: LoadedPackage, entry: DependencyEntry) => find(entry.name),
  };
}

/** A ConfigMap template whose data shows the given variables (quoted). */
export function configMapTemplate(name: string, keys: readonly string[]): string {
  return [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    'data:',
    ...keys.map((k) => `  ${k.replace(/\./g, '_')}: {{quote ${k}}}`),
    '',
  ].join('\n');
}
