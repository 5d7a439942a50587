/** `stackanetes push [DIR]`: deterministic tarball up to the registry, then channels; prints the digest. */
import type { Command } from 'commander';
import type { CliEnv } from '../main.js';
import { formatTable } from '../output.js';
import { createProgress } from '../progress.js';
import {
  addRegistryFlags,
  outputFormat,
  printResult,
  registryOption,
  type OutputFlags,
} from './registry-flags.js';

interface PushFlags extends OutputFlags {
  channel: string[];
  force?: boolean;
}

export function register(program: Command, env: CliEnv): void {
  addRegistryFlags(
    program
      .command('push')
      .description('push a package directory as a release (registry, or --registry oci://host/prefix)')
      .argument('[dir]', 'package directory', '.')
      .option(
        '--channel <name>',
        'add the release to this channel (repeatable)',
        (v: string, p: string[]) => [...p, v],
        [],
      )
      .option('-f, --force', 'replace an existing release of the same version'),
  ).action(async (dir: string, flags: PushFlags) => {
    const format = outputFormat(flags);
    const progress = createProgress(env.writer, { quiet: format === 'json' });
    const { push } = await import('../../actions/push.js');
    const result = await push({
      cwd: process.cwd(),
      env: process.env,
      dir,
      channels: flags.channel,
      force: flags.force === true,
      progress: progress.sink,
      ...registryOption(flags),
    });
    await progress.flush();
    printResult(env, format, result, () =>
      formatTable(
        ['package', 'release', 'digest', 'registry', 'channels'],
        [[result.package, result.version, result.digest, result.registry, result.channels]],
      ),
    );
  });
}
