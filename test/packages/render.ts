/**
 * Renders a folder of packages/ in-process exactly as the golden test does, once per distinct
 * input: the package tests look at the same releases from many angles.
 */
import { join, resolve } from 'node:path';
import { renderReference } from '../../src/render/pipeline.js';
import type { KubeObject, RenderedRelease } from '../../src/model/types.js';

export const ROOT = resolve(process.cwd());
export const PACKAGES = join(ROOT, 'packages');

const cache = new Map<string, Promise<RenderedRelease>>();
export function render(dir: string, variableFiles: string[] = [], sets: string[] = []): Promise<RenderedRelease> {
  const key = JSON.stringify([dir, variableFiles, sets]);
  let release = cache.get(key);
  if (!release) {
    release = renderReference({
      reference: join(PACKAGES, dir),
      namespace: 'openstack',
      variableFiles,
      sets,
      cwd: ROOT,
    });
    cache.set(key, release);
  }
  return release;
}

/** Every object of every package of a release. */
export const objectsOf = (release: RenderedRelease): KubeObject[] =>
  release.packages.flatMap((p) => p.objects.map((o) => o.object));
