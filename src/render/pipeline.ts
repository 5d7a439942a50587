/**
 * The render pipeline every cluster verb shares, from a reference and the user's variables to a
 * validated release: walk.ts does the work (load, merge by precedence.ts, render, post-process,
 * validate). This front first asks whether the very same command already ran on files that have
 * not changed since (render-cache.ts, input-stamp.ts), and then answers from the render cache
 * without loading walk.ts's modules at all: that is most of an unchanged `generate`.
 */
import { localSourceCwd } from '../package/local-source.js';
import type { RenderedPackage, RenderedRelease } from '../model/types.js';
import { silentProgress, type ProgressSink } from '../progress.js';
import { count } from '../text.js';
import { directoryMatches, variableFilesMatch } from './input-stamp.js';
import { inputsKey, readInputsNote, readRender, rememberKey } from './render-cache.js';
import type { RenderReferenceOptions, WalkedPackage } from './walk.js';

export type { RenderReferenceOptions, WalkedPackage } from './walk.js';

/** Loads, merges, renders, post-processes and validates a package and its dependencies. */
export async function renderReference(options: RenderReferenceOptions): Promise<RenderedRelease> {
  const noteKey = inputsNoteKey(options);
  return reuseUnchanged(options, noteKey) ?? (await renderAndRecord(options, noteKey)).release;
}

/** renderReference, also returning the loaded packages (lint reads their templates); always renders. */
export function renderReferenceDetailed(
  options: RenderReferenceOptions,
): Promise<{ release: RenderedRelease; loaded: WalkedPackage[] }> {
  return renderAndRecord(options, inputsNoteKey(options));
}

async function renderAndRecord(
  options: RenderReferenceOptions,
  noteKey: string | undefined,
): Promise<{ release: RenderedRelease; loaded: WalkedPackage[] }> {
  const { renderFresh } = await import('./walk.js');
  const result = await renderFresh(options, noteKey);
  succeeded(options.progress ?? silentProgress, result.release.packages);
  return result;
}

/**
 * The name of the inputs note for a render from local directories (undefined for any other source,
 * or a build without the render cache): the command's own inputs, known before anything is loaded.
 */
function inputsNoteKey(options: RenderReferenceOptions): string | undefined {
  const cwd = options.cwd ?? process.cwd();
  if (options.source && localSourceCwd(options.source) !== cwd) return undefined;
  return inputsKey(
    [
      cwd,
      options.reference,
      options.variableFiles ?? [],
      options.sets ?? [],
      options.release ?? null,
      options.namespace,
      options.forceWhen ?? false,
      options.validate !== false,
    ],
    options.env ?? process.env,
  );
}

/**
 * The cached release of an unchanged render from local directories: every file the last identical
 * command read still matches its stamp, so loading, merging and hashing all packages again would
 * only compute the same render key. Undefined whenever anything differs or is missing.
 */
function reuseUnchanged(
  options: RenderReferenceOptions,
  noteKey: string | undefined,
): RenderedRelease | undefined {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const note = readInputsNote(noteKey, env);
  if (!note) return undefined;
  if (!variableFilesMatch(note.variableFiles, options.variableFiles ?? [], cwd)) return undefined;
  if (!note.directories.every((d) => directoryMatches(d, note.recordedAt))) return undefined;
  const cached = readRender(note.renderKey, env);
  if (!cached) return undefined;
  const progress = options.progress ?? silentProgress;
  progress({ type: 'start', id: 'render', text: `loading ${options.reference}` });
  succeeded(progress, cached.packages);
  const rendered: RenderedRelease = {
    release: note.release,
    namespace: options.namespace,
    root: note.root,
    packages: cached.packages,
    warnings: [...note.warnings, ...cached.warnings],
  };
  rememberKey(rendered, note.renderKey);
  return rendered;
}

function succeeded(progress: ProgressSink, packages: readonly RenderedPackage[]): void {
  const objectCount = packages.reduce((n, p) => n + p.objects.length, 0);
  progress({
    type: 'succeed',
    id: 'render',
    text: `rendered ${count(objectCount, 'object')} from ${count(packages.length, 'package')}`,
  });
}
