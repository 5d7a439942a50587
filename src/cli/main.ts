/**
 * The CLI entry: builds the commander program from one module per verb and runs it. Command
 * modules are light (they import their action lazily), so `--help` and `--version` load nothing
 * heavy such as @kubernetes/client-node.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../errors.js';
import { commandModules } from './commands/index.js';
import { reportError } from './errors.js';
import { processWriter, type Writer } from './output.js';

/** Finds the package.json of stackanetes from either dist/ or src/ (tests run the sources). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'stackanetes') return dir;
    } catch {
      // not here; keep walking up
    }
    dir = dirname(dir);
  }
  throw new Error('cannot locate the stackanetes package.json');
}

export function clientVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** What every command module gets: where to write and whether --debug was given. */
export interface CliEnv {
  writer: Writer;
  debug: boolean;
  /** Sets the process exit code when the command succeeds with a non-zero meaning (diff: 1 = changes). */
  setExitCode(code: number): void;
}

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
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
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
