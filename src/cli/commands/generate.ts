/** `stackanetes generate PKG|DIR`: render manifests without a cluster. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { cliContext } from '../context.js';
import { checkNamespaceFlag } from '../namespace.js';
import {
  addParameterFlags,
  addResolveFlags,
  outputOption,
  renderInputs,
  type RenderFlagValues,
} from '../flags.js';

interface GenerateFlags extends RenderFlagValues {
  namespace: string;
  out?: string;
  output: 'yaml' | 'json';
}

export function register(program: Command, env: CliEnv): void {
  const command = addParameterFlags(
    program
      .command('generate')
      .description('render a package and its dependencies to Kubernetes manifests (no cluster needed)')
      .argument('<package>', 'package directory, .tar.gz, or registry reference'),
  )
    .option('-n, --namespace <namespace>', 'namespace for namespaced objects', 'default')
    .option('--out <dir|->', 'write one file per object into DIR, or "-" for one stream on stdout', '-')
    .addOption(outputOption(['yaml', 'json'], 'yaml', 'write files into a directory with --out DIR'));
  addResolveFlags(command).action(async (reference: string, flags: GenerateFlags) => {
    const namespace = checkNamespaceFlag(flags.namespace);
    const { generate } = await import('../../actions/generate.js');
    const { reference: _reference, ...inputs } = renderInputs(reference, flags);
    const result = await generate(cliContext(), {
      reference,
      namespace,
      format: flags.output,
      ...inputs,
      ...(flags.out !== undefined ? { outputDir: flags.out } : {}),
    });
    for (const warning of result.warnings) env.writer.err(`warning: ${warning}`);
    if (result.stream !== undefined) env.writer.out(result.stream);
    else env.writer.err(`wrote ${result.files?.length ?? 0} files to ${flags.out}`);
  });
}
