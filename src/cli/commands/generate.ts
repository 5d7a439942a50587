/** `stackanetes generate PKG|DIR`: render manifests without a cluster. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliEnv } from '../env.js';
import { checkNamespaceFlag } from '../namespace.js';

/** Collects a repeatable option into a list, in command-line order (the precedence order). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface GenerateFlags {
  variables: string[];
  set: string[];
  namespace: string;
  out?: string;
  output: string;
  release?: string;
  registry?: string;
  locked?: boolean;
  inChannel?: string;
}

export function register(program: Command, env: CliEnv): void {
  program
    .command('generate')
    .description('render a package and its dependencies to Kubernetes manifests (no cluster needed)')
    .argument('<package>', 'package directory, .tar.gz, or registry reference')
    .option('--variables <file>', 'parameters file (YAML); repeatable, later files win', collect, [])
    .option(
      '--set <path=value>',
      'set one parameter (dotted path, YAML-typed value); repeatable, wins over files',
      collect,
      [],
    )
    .option('-n, --namespace <namespace>', 'namespace for namespaced objects', 'default')
    .option('-o, --out <dir|->', 'write one file per object into DIR, or "-" for one stream on stdout', '-')
    .option('--output <format>', 'yaml or json', 'yaml')
    .option(
      '--release <name>',
      'release name (the app.kubernetes.io/part-of label); default: the package name',
    )
    .option(
      '--registry <url>',
      'resolve packages through this registry (default: $STACKANETES_REGISTRY, then config.yaml)',
    )
    .option('--locked', 'resolve exactly the versions and digests recorded in stackanetes.lock')
    .option('--in-channel <channel>', 'refuse a root release that is not in this registry channel')
    .action(async (reference: string, flags: GenerateFlags) => {
      if (flags.output !== 'yaml' && flags.output !== 'json') {
        throw new UsageError(`--output ${JSON.stringify(flags.output)} is not a known format`, {
          hint: 'use --output yaml or --output json',
        });
      }
      const { generate } = await import('../../actions/generate.js');
      const result = await generate({
        reference,
        namespace: checkNamespaceFlag(flags.namespace),
        variableFiles: flags.variables,
        sets: flags.set,
        format: flags.output,
        ...(flags.out !== undefined ? { outputDir: flags.out } : {}),
        ...(flags.release !== undefined ? { release: flags.release } : {}),
        ...(flags.registry !== undefined ? { registry: flags.registry } : {}),
        ...(flags.locked ? { locked: true } : {}),
        ...(flags.inChannel !== undefined ? { inChannel: flags.inChannel } : {}),
      });
      for (const warning of result.warnings) env.writer.err(`warning: ${warning}`);
      if (result.stream !== undefined) env.writer.out(result.stream);
      else env.writer.err(`wrote ${result.files?.length ?? 0} files to ${flags.out}`);
    });
}
