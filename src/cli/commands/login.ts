/** `stackanetes login [REGISTRY]`: password from a no-echo prompt on a TTY, or from stdin with --password-stdin. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliEnv } from '../env.js';
import { formatTable } from '../output.js';
import { tableOutput, type TableFormat } from '../flags.js';
import { cliContext } from '../context.js';
import { printResult } from '../print.js';
import { importExternal } from '../../import-external.js';

interface LoginFlags {
  username?: string;
  passwordStdin?: boolean;
  scope?: string;
  setDefault?: boolean;
  output: TableFormat;
}

/** Reads all of stdin (for --password-stdin); the trailing newline is not part of the password. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Prompts on the terminal without echoing what is typed. */
async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (data: Buffer): void => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            return resolve(value);
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            return reject(new UsageError('login cancelled'));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

async function promptLine(question: string): Promise<string> {
  const { createInterface } =
    await importExternal<typeof import('node:readline/promises')>('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

export function register(program: Command, env: CliEnv): void {
  program
    .command('login')
    .description('log in to a registry and store its token (mode 0600) in the stackanetes home')
    .argument(
      '[registry]',
      'registry URL or host, or oci://host (default: $STACKANETES_REGISTRY, then config.yaml)',
    )
    .option('-u, --username <user>', 'user name (prompted on a terminal when omitted)')
    .option('--password-stdin', 'read the password from stdin (for scripts and CI)')
    .option('--scope <ns|ns/pkg>', 'store the token for one namespace or package only')
    .option(
      '--set-default',
      'make this the default registry in config.yaml (login does so anyway when none is set)',
    )
    .addOption(tableOutput())
    .action(async (registry: string | undefined, flags: LoginFlags) => {
      const format = flags.output;
      const interactive = Boolean(process.stdin.isTTY);
      let username = flags.username;
      if (!username) {
        if (!interactive) throw new UsageError('no user name given', { hint: 'pass -u USER' });
        username = await promptLine('Username: ');
      }
      let password: string;
      if (flags.passwordStdin) password = await readStdin();
      else if (interactive) password = await promptHidden('Password: ');
      else
        throw new UsageError('no password: stdin is not a terminal', {
          hint: 'pipe it in with --password-stdin',
        });
      const { login } = await import('../../actions/login.js');
      const result = await login(cliContext(), {
        username,
        password,
        ...(registry ? { registry } : {}),
        ...(flags.scope ? { scope: flags.scope } : {}),
        ...(flags.setDefault ? { setDefault: true } : {}),
      });
      printResult(env, format, result, () =>
        [
          formatTable(['registry', 'username', 'scope'], [[result.registry, result.username, result.scope]]),
          `login succeeded; token stored in ${result.credentialsFile}`,
          ...(result.defaultSetIn
            ? [`${result.registry} is now the default registry (set in ${result.defaultSetIn})`]
            : []),
        ].join('\n'),
      );
    });
}
