/**
 * `stackanetes config view|get|set|unset`: reads and edits config.yaml of the stackanetes home
 * (the default registry and registry short names) without opening the file.
 */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatTable } from '../output.js';
import { tableOutput, type TableFormat } from '../flags.js';
import { printResult } from '../print.js';

export function register(program: Command, env: CliEnv): void {
  const config = program
    .command('config')
    .description('show or change config.yaml: the default registry and registry names');
  config
    .command('view')
    .description('print the whole configuration')
    .addOption(tableOutput())
    .action(async (flags: { output: TableFormat }) => {
      const format = flags.output;
      const { readUserConfig, userConfigPath } = await import('../../config/config.js');
      const current = await readUserConfig(process.env);
      printResult(env, format, current, () =>
        [
          `config file: ${userConfigPath(process.env)}`,
          `default registry: ${current.default ?? '(none)'}`,
          ...(Object.keys(current.registries).length > 0
            ? [
                formatTable(
                  ['name', 'url'],
                  Object.entries(current.registries).map(([name, r]) => [name, r.url]),
                ),
              ]
            : []),
        ].join('\n'),
      );
    });
  config
    .command('get')
    .description('print one value (default, registries.NAME.url); exits 4 when it is not set')
    .argument('<key>', 'default or registries.NAME.url')
    .action(async (key: string) => {
      const { getConfigValue, readUserConfig } = await import('../../config/config.js');
      const value = getConfigValue(await readUserConfig(process.env), key);
      if (value === undefined) {
        const { NotFoundError } = await import('../../errors.js');
        throw new NotFoundError(`${key} is not set`, {
          hint: `set it with \`stackanetes config set ${key} VALUE\``,
        });
      }
      env.writer.out(value);
    });
  config
    .command('set')
    .description('set one value: `default URL|NAME` or `registries.NAME.url URL`')
    .argument('<key>', 'default or registries.NAME.url')
    .argument('<value>', 'a registry URL or host (or, for default, a registry name)')
    .action(async (key: string, value: string) => {
      const cfg = await import('../../config/config.js');
      const path = await cfg.writeUserConfig(
        process.env,
        cfg.setConfigValue(await cfg.readUserConfig(process.env), key, value),
      );
      env.writer.out(`${key} set in ${path}`);
    });
  config
    .command('unset')
    .description('remove one value')
    .argument('<key>', 'default or registries.NAME.url')
    .action(async (key: string) => {
      const cfg = await import('../../config/config.js');
      const path = await cfg.writeUserConfig(
        process.env,
        cfg.setConfigValue(await cfg.readUserConfig(process.env), key, undefined),
      );
      env.writer.out(`${key} removed from ${path}`);
    });
}
