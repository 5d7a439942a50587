/** `stackanetes lint DIR`: render with defaults and every branch, validate, report unused parameters. */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import type { CliEnv } from '../env.js';
import { cliContext } from '../context.js';
import { formatData } from '../output.js';
import { addParameterFlags, outputOption } from '../flags.js';
import { count } from '../../text.js';

interface LintFlags {
  variables: string[];
  set: string[];
  output: 'text' | 'json' | 'yaml';
  strict?: boolean;
}

export function register(program: Command, env: CliEnv): void {
  addParameterFlags(
    program
      .command('lint')
      .description(
        'render a package with its defaults and with every `when` branch on, validate it, and report unused parameters',
      )
      .argument('<package>', 'package directory or .tar.gz'),
  )
    .addOption(outputOption(['text', 'json', 'yaml'], 'text'))
    .option('--strict', 'fail (exit 3) on warnings and unused parameters too')
    .action(async (reference: string, flags: LintFlags) => {
      const { lint } = await import('../../actions/lint.js');
      const result = await lint(cliContext(), { reference, variableFiles: flags.variables, sets: flags.set });
      if (flags.output !== 'text') env.writer.out(formatData(result, flags.output));
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
