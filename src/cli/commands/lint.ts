/** `stackanetes lint DIR`: render with defaults and every branch, validate, report unused parameters. */
import type { Command } from 'commander';
import { InputError, UsageError } from '../../errors.js';
import type { CliEnv } from '../env.js';
import { formatData } from '../output.js';
import { collect } from './generate.js';
import { count } from '../../text.js';

interface LintFlags {
  variables: string[];
  set: string[];
  output: string;
  strict?: boolean;
}

export function register(program: Command, env: CliEnv): void {
  program
    .command('lint')
    .description(
      'render a package with its defaults and with every `when` branch on, validate it, and report unused parameters',
    )
    .argument('<package>', 'package directory or .tar.gz')
    .option('--variables <file>', 'parameters file (YAML); repeatable', collect, [])
    .option('--set <path=value>', 'set one parameter; repeatable', collect, [])
    .option('--output <format>', 'text, json or yaml', 'text')
    .option('--strict', 'fail (exit 3) on warnings and unused parameters too')
    .action(async (reference: string, flags: LintFlags) => {
      if (!['text', 'json', 'yaml'].includes(flags.output)) {
        throw new UsageError(`--output ${JSON.stringify(flags.output)} is not a known format`, {
          hint: 'use text, json or yaml',
        });
      }
      const { lint } = await import('../../actions/lint.js');
      const result = await lint({ reference, variableFiles: flags.variables, sets: flags.set });
      if (flags.output !== 'text') env.writer.out(formatData(result, flags.output as 'json' | 'yaml'));
      else {
        for (const warning of result.warnings) env.writer.err(`warning: ${warning}`);
        for (const u of result.unused)
          env.writer.err(
            `warning: ${u.source ?? u.package}: parameter ${u.path} is never used by a template, derived default or condition`,
          );
        env.writer.out(
          result.library
            ? `${result.package} ${result.version}: library, ${result.library.partials.length} partial(s) compiled: valid`
            : `${result.package} ${result.version}: ${count(result.packages.length, 'package')}, ${count(result.objects.defaults, 'object')} with defaults, ${result.objects.allBranches} with every branch on: valid`,
        );
      }
      const findings = result.warnings.length + result.unused.length;
      if (flags.strict && findings > 0)
        throw new InputError(`lint --strict: ${findings} warning(s) in ${result.package}`);
    });
}
