/**
 * The plain kubectl binary the benchmarks compare with. /usr/bin/kubectl may be the gcloud
 * wrapper script, whose own start-up (a Python launcher picking a version) would be charged to
 * kubectl; the versioned binaries sit beside the wrapper's target, and are often on PATH too.
 */
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

const VERSIONED = ['kubectl.1.32', 'kubectl.1.33'];

export function kubectlBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.BENCH_KUBECTL) return env.BENCH_KUBECTL;
  const dirs: string[] = [];
  try {
    dirs.push(dirname(realpathSync('/usr/bin/kubectl')));
  } catch {
    // no /usr/bin/kubectl: PATH may still have a versioned binary
  }
  dirs.push(...(env.PATH ?? '').split(delimiter).filter((d) => d.length > 0));
  for (const dir of dirs)
    for (const name of VERSIONED) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}
