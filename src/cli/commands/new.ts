/** `stackanetes new NAMESPACE/NAME`: scaffold a package that lints clean. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { cliContext } from '../context.js';

export function register(program: Command, env: CliEnv): void {
  program
    .command('new')
    .description('scaffold a package (manifest.yaml, README.md, a Deployment and a Service)')
    .argument('<name>', 'package name NAMESPACE/NAME')
    .option('--dir <dir>', 'directory to create (default: ./NAME)')
    .action(async (name: string, flags: { dir?: string }) => {
      const { newPackage } = await import('../../actions/new.js');
      const result = await newPackage(cliContext(), { name, ...(flags.dir ? { dir: flags.dir } : {}) });
      env.writer.out(`created ${result.name} in ${result.dir}: ${result.files.join(', ')}`);
    });
}
