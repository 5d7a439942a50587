/**
 * The CLI entry: builds the commander program from one module per verb and runs it. Command
 * modules are light (they import their action lazily), so `--help` and `--version` load nothing
 * heavy such as @kubernetes/client-node.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../errors.js';
import { commandModules } from './commands/index.js';
import { reportError } from './errors.js';
import { usageErrorLine } from './usage.js';
import { processWriter, type Writer } from './output.js';
import type { CliEnv } from './env.js';
import { clientVersion } from '../version.js';

export function buildProgram(env: CliEnv): Command {
  const program = new Command('stackanetes')
    .description(
      'Package manager for Kubernetes: deploy and upgrade OpenStack (and anything else) from templated packages',
    )
    .version(clientVersion(), '-V, --version', 'print the client version')
    .option('--debug', 'show stack traces and internal details on errors')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => env.writer.out(s.replace(/\n$/, '')),
      writeErr: (s) => env.writer.err(s.replace(/\n$/, '')),
    })
    .exitOverride();
  for (const mod of commandModules) mod.register(program, env);
  program.configureOutput({
    ...program.configureOutput(),
    outputError: (message, write) => write(usageErrorLine(message, 'stackanetes --help')),
  });
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      ...program.configureOutput(),
      outputError: (message, write) => write(usageErrorLine(message, `stackanetes ${command.name()} --help`)),
    });
  }
  return program;
}

/** Runs the CLI and returns the exit code; never calls process.exit itself. */
export async function main(argv: readonly string[], writer: Writer = processWriter()): Promise<number> {
  const debug = argv.includes('--debug');
  let exitCode: number = ExitCode.ok;
  const env: CliEnv = { writer, debug, setExitCode: (code) => (exitCode = code) };
  try {
    const program = buildProgram(env);
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (help, version, or a usage error)
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(err, writer, debug);
  }
}
