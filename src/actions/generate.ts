/**
 * `stackanetes generate`: render a package (and its dependencies) to Kubernetes manifests without
 * touching a cluster, as one YAML/JSON stream or one file per object in a directory.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { describeCause, InputError } from '../errors.js';
import { createLocalSource } from '../package/local-source.js';
import type { PackageSource } from '../package/source.js';
import type { KubeObject, RenderedObject, RenderedRelease } from '../model/types.js';
import { renderReference } from '../render/pipeline.js';
import { cachedText, storeTexts } from '../render/render-cache.js';
import type { ActionContext } from './context.js';

/** How generate writes its result. */
export type GenerateFormat = 'yaml' | 'json';

export interface GenerateOptions {
  reference: string;
  namespace: string;
  variableFiles?: string[];
  sets?: string[];
  release?: string;
  /** `-` (or undefined) for one stream; otherwise a directory that receives one file per object. */
  outputDir?: string;
  format: GenerateFormat;
  /** Default: the local source for a path on disk, the resolving (registry) source otherwise. */
  source?: PackageSource;
  /** `--registry`: resolve through this registry (also for a local meta-package's dependencies). */
  registry?: string;
  /** `--locked`: resolve exactly what stackanetes.lock says. */
  locked?: boolean;
  /** `--in-channel CH`: refuse a root release that is not in this registry channel. */
  inChannel?: string;
}

export interface GenerateResult {
  release: RenderedRelease;
  /** The stream, when no directory was asked for. */
  stream?: string;
  /** Files written, when a directory was asked for. */
  files?: string[];
  warnings: string[];
}

/**
 * js-yaml's dump quotes strings that YAML 1.1 would read as booleans, nulls or timestamps
 * (`yes`, `on`, `NO`, `2025-01-01`); kubectl parses manifests as YAML 1.1, so an unquoted `on`
 * in a ConfigMap would arrive as `true`.
 */
function yamlDocument(object: KubeObject, pkg: string, template: string): string {
  return `# Source: ${pkg} ${template}\n${dump(object, { lineWidth: -1, noRefs: true })}`;
}

/** The YAML documents of a release, from the render cache when it has them (and added when not). */
function documentTexts(
  release: RenderedRelease,
  rendered: RenderedObject[],
  env: NodeJS.ProcessEnv,
): string[] {
  const texts = rendered.map((r) => cachedText(r) ?? yamlDocument(r.object, r.package, r.template));
  storeTexts(release, texts, env);
  return texts;
}

function fileName(index: number, pkg: string, object: KubeObject, format: GenerateFormat): string {
  const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  const short = pkg.slice(pkg.indexOf('/') + 1);
  return `${String(index).padStart(3, '0')}-${safe(short)}-${safe(object.kind)}-${safe(object.metadata.name)}.${format}`;
}

/**
 * A path on disk renders offline from the local source (dependencies from sibling directories);
 * anything else, or --registry/--locked/--in-channel, goes through the resolving source with the
 * lockfile beside the first --variables file, like diff and deploy, so generate shows exactly
 * what deploy would apply.
 */
async function defaultSource(
  context: ActionContext,
  options: GenerateOptions,
): Promise<{ source: PackageSource; writeLock?: () => Promise<void> }> {
  const { cwd } = context;
  const path = isAbsolute(options.reference) ? options.reference : resolve(cwd, options.reference);
  if (!options.registry && !options.locked && !options.inChannel && existsSync(path))
    return { source: createLocalSource({ cwd }) };
  const { defaultLockfilePath } = await import('../resolve/lockfile.js');
  const source = await context.packageSource({
    lockfile: defaultLockfilePath(cwd, options.variableFiles ?? []),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.locked ? { locked: true } : {}),
    ...(options.inChannel ? { inChannel: options.inChannel } : {}),
  });
  return { source, writeLock: () => source.writeLock() };
}

/** Lists the files a previous generate wrote into the directory. */
const MARKER = '.stackanetes-generated';

async function readPreviousFiles(dir: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(dir, MARKER), 'utf8');
  } catch {
    return [];
  }
  try {
    const list: unknown = JSON.parse(text);
    // plain names only: a tampered marker must not reach outside the directory
    return Array.isArray(list)
      ? list.filter((n): n is string => typeof n === 'string' && /^[A-Za-z0-9._-]+$/.test(n) && n !== MARKER)
      : [];
  } catch {
    return [];
  }
}

/** write-then-rename: an interrupted run never leaves a half-written file behind. */
async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/** Renders and formats; writes files only after the whole release rendered and validated. */
export async function generate(context: ActionContext, options: GenerateOptions): Promise<GenerateResult> {
  const { cwd, env } = context;
  const { source, writeLock } = options.source
    ? { source: options.source }
    : await defaultSource(context, options);
  const release = await renderReference({
    source,
    reference: options.reference,
    namespace: options.namespace,
    cwd,
    ...(options.variableFiles ? { variableFiles: options.variableFiles } : {}),
    ...(options.sets ? { sets: options.sets } : {}),
    ...(options.release ? { release: options.release } : {}),
    progress: context.progress,
    env,
  });
  // Only a release that rendered and validated is recorded (never written under --locked).
  await writeLock?.();
  const rendered = release.packages.flatMap((p) => p.objects);
  if (options.outputDir === undefined || options.outputDir === '-') {
    if (options.format === 'json') {
      const stream = `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rendered.map((r) => r.object) }, null, 2)}\n`;
      return { release, stream, warnings: release.warnings };
    }
    const texts = documentTexts(release, rendered, env);
    return { release, stream: texts.join('---\n'), warnings: release.warnings };
  }
  const dir = isAbsolute(options.outputDir) ? options.outputDir : resolve(cwd, options.outputDir);
  const files: string[] = [];
  try {
    await mkdir(dir, { recursive: true });
    const previous = await readPreviousFiles(dir);
    const names = new Set<string>();
    const texts =
      options.format === 'json'
        ? rendered.map((r) => `${JSON.stringify(r.object, null, 2)}\n`)
        : documentTexts(release, rendered, env);
    for (const [i, r] of rendered.entries()) {
      const name = fileName(i + 1, r.package, r.object, options.format);
      const text = texts[i] as string;
      await writeAtomically(join(dir, name), text);
      names.add(name);
      files.push(join(dir, name));
    }
    // Objects that are no longer rendered must not linger for a later `kubectl apply -f DIR`;
    // only files a previous generate recorded are removed, never anything else in DIR.
    for (const name of previous) if (!names.has(name)) await rm(join(dir, name), { force: true });
    await writeAtomically(join(dir, MARKER), `${JSON.stringify([...names], null, 1)}\n`);
  } catch (err) {
    throw new InputError(`cannot write manifests to ${options.outputDir}: ${describeCause(err)}`);
  }
  return { release, files, warnings: release.warnings };
}
