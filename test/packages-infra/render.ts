/** Renders a folder of packages/ in process and picks objects out, for the infrastructure package tests. */
import { join } from 'node:path';
import { renderReference } from '../../src/render/pipeline.js';
import type { KubeObject } from '../../src/model/types.js';
import { repoRoot } from '../helpers/cli.js';

export const PACKAGES = join(repoRoot, 'packages');

/** Every object a package (with its dependencies) renders into `namespace`. */
export async function renderObjects(
  dir: string,
  namespace: string,
  sets: string[] = [],
): Promise<KubeObject[]> {
  const release = await renderReference({ reference: join(PACKAGES, dir), namespace, sets, cwd: repoRoot });
  return release.packages.flatMap((p) => p.objects.map((o) => o.object));
}

/** The object of that kind and name; fails listing what was rendered when there is none. */
export function get(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `${kind}/${name} was not rendered; got ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
}
