/**
 * `stackanetes-registry`: runs the server in the foreground and administers users, tokens and
 * namespace members directly on the storage (no server needed, so an administrator can
 * bootstrap the first account). Errors are one line naming the value and the fix.
 */
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, ENV, resolveConfig, type RawServeOptions } from './config.js';
import { HttpError, StorageConflict } from './errors.js';
import { hashPassword } from './auth.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';
import { openStorage } from './storage/open.js';
import type { Storage } from './storage/types.js';
import { checkNamePart, checkPassword, checkUserName } from './validate.js';
import { serverVersion } from './version.js';

const EXIT = { ok: 0, usage: 2, invalid: 3, notFound: 4, conflict: 5, internal: 70 } as const;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

function storageOf(opts: { storage?: string }, env: NodeJS.ProcessEnv): string {
  const storage = opts.storage ?? env[ENV.storage];
  if (!storage)
    throw new CliError(
      `no storage given`,
      EXIT.usage,
      `pass --storage DIR or --storage postgres://USER@HOST/DB (or set ${ENV.storage})`,
    );
  return storage;
}

async function withStorage<T>(
  opts: { storage?: string },
  env: NodeJS.ProcessEnv,
  fn: (s: Storage) => Promise<T>,
): Promise<T> {
  const storage = await openStorage(storageOf(opts, env), { lockStaleMs: 10000, pgPoolSize: 2 });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

async function readPassword(stdin: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<string> {
  if (stdin.isTTY) process.stderr.write('password (end with Enter, then Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const text = Buffer.concat(chunks).toString('utf8');
  const line = text.split(/\r?\n/)[0] ?? '';
  try {
    return checkPassword(line);
  } catch (err) {
    throw new CliError(
      (err as Error).message,
      EXIT.invalid,
      'pipe the password on stdin, e.g. printf "%s\\n" "$PASSWORD" | stackanetes-registry user add NAME',
    );
  }
}

function runServe(raw: RawServeOptions, env: NodeJS.ProcessEnv): Promise<number> {
  return (async () => {
    const config = resolveConfig(raw, env);
    const logger = createLogger(config.logLevel);
    const storage = await openStorage(config.storage, {
      lockStaleMs: config.lockStaleMs,
      pgPoolSize: config.pgPoolSize,
      onLockCompromised: (key, err) =>
        logger.log('error', 'storage lock compromised', { key, error: err.message }),
    });
    let server;
    try {
      server = await startServer({ config, storage, logger, version: serverVersion() });
    } catch (err) {
      await storage.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new CliError(
          `cannot listen on ${config.host}:${config.port} (${code})`,
          EXIT.usage,
          'choose another --listen address',
        );
      }
      throw err;
    }
    const running = server;
    await new Promise<void>((resolve) => {
      let stopping = false;
      // Handlers stay installed during the shutdown: a repeated SIGTERM (kubelet, supervisors)
      // must not fall back to the default action and cut the in-flight requests short.
      const onSignal = (signal: NodeJS.Signals) => {
        logger.log('info', stopping ? 'signal ignored: already shutting down' : 'signal received', {
          signal,
        });
        if (stopping) return;
        stopping = true;
        void running.close().then(resolve);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    return EXIT.ok;
  })();
}

function storageOption(): Option {
  return new Option('--storage <dir|url>', `storage directory or postgres:// URL (env ${ENV.storage})`);
}

/** What a subcommand's action hands back: its exit code, once its work is done. */
type Run = (result: Promise<number>) => void;

const out = (line: string) => process.stdout.write(`${line}\n`);

function registerServe(program: Command, env: NodeJS.ProcessEnv, run: Run): void {
  program
    .command('serve')
    .description('run the registry in the foreground until SIGTERM/SIGINT')
    .option('--listen <host:port>', `address to listen on (env ${ENV.listen}; default 127.0.0.1:8080)`)
    .addOption(storageOption())
    .option('--database <url>', 'alias of --storage for a postgres:// URL')
    .option('--max-body <size>', `largest request body, e.g. 20MiB (env ${ENV.maxBody})`)
    .option(
      '--max-unpacked <size>',
      `largest unpacked package (gzip bomb guard), at most 36MiB (what clients accept), e.g. 20MiB (env ${ENV.maxUnpacked})`,
    )
    .option('--token-ttl <duration>', `lifetime of login tokens, e.g. 30d (env ${ENV.tokenTtl})`)
    .option(
      '--allow-signup',
      `let anyone create an account with POST /api/v1/users (env ${ENV.allowSignup}=true)`,
    )
    .option(
      '--anonymous-reads <bool>',
      `serve reads without a token (env ${ENV.anonymousReads}; default true)`,
    )
    .option('--require-auth-reads', 'same as --anonymous-reads false')
    .option('--log-level <level>', `debug|info|warn|error (env ${ENV.logLevel}; default info)`)
    .option(
      '--shutdown-timeout <duration>',
      `how long in-flight requests may finish on SIGTERM (env ${ENV.shutdownTimeout}; default 30s)`,
    )
    .option(
      '--body-timeout <duration>',
      `how long a request body may take to arrive, else 408 (env ${ENV.bodyTimeout}; default 30s)`,
    )
    .option('--blob-cache <size>', `memory for hot blobs (env ${ENV.blobCache}; default 64MiB)`)
    .option(
      '--lock-stale <duration>',
      `filesystem: when a dead holder's lock is broken (env ${ENV.lockStale}; default 10s, min 2s)`,
    )
    .option('--pg-pool <n>', `PostgreSQL connections per process (env ${ENV.pgPool}; default 10)`)
    .action((opts: RawServeOptions) => {
      run(runServe(opts, env));
    });
}

interface StorageFlags {
  storage?: string;
  owner?: boolean;
}

/**
 * Registers an admin subcommand that works on the storage: the --storage option, and a handler
 * whose exit code (or error) becomes the CLI's once its work is done.
 */
function storageCommand(
  parent: Command,
  spec: string,
  description: string,
  run: Run,
  handler: (args: string[], flags: StorageFlags) => Promise<number>,
): Command {
  return parent
    .command(spec)
    .description(description)
    .addOption(storageOption())
    .action((...params: unknown[]) => {
      // commander passes the arguments, then the parsed options, then the command itself
      const flags = params[params.length - 2] as StorageFlags;
      run(handler(params.slice(0, -2) as string[], flags));
    });
}

function registerUsers(program: Command, env: NodeJS.ProcessEnv, run: Run): void {
  const user = program.command('user').description('manage user accounts');
  storageCommand(
    user,
    'add <name>',
    'create a user; the password is read from stdin (first line)',
    run,
    async ([name = ''], flags) => {
      checkUserName(name);
      const password = await readPassword(process.stdin);
      await withStorage(flags, env, async (s) =>
        s.addUser({
          username: name,
          passwordHash: await hashPassword(password),
          createdAt: new Date().toISOString(),
        }),
      );
      out(`user ${name} created`);
      return EXIT.ok;
    },
  );
  storageCommand(
    user,
    'passwd <name>',
    "change a user's password (read from stdin) and revoke their tokens",
    run,
    async ([name = ''], flags) => {
      checkUserName(name);
      const password = await readPassword(process.stdin);
      await withStorage(flags, env, async (s) => {
        if (!(await s.setPassword(name, await hashPassword(password))))
          throw new CliError(`user ${name} does not exist`, EXIT.notFound, 'create it with `user add`');
        await s.revokeUserTokens(name);
      });
      out(`password of ${name} changed; existing tokens revoked`);
      return EXIT.ok;
    },
  );
  storageCommand(
    user,
    'remove <name>',
    'delete a user, their tokens and memberships',
    run,
    async ([name = ''], flags) => {
      checkUserName(name);
      const removed = await withStorage(flags, env, (s) => s.removeUser(name));
      if (!removed)
        throw new CliError(`user ${name} does not exist`, EXIT.notFound, 'list users with `user list`');
      out(`user ${name} removed`);
      return EXIT.ok;
    },
  );
  storageCommand(user, 'list', 'list user names', run, async (_args, flags) => {
    for (const u of await withStorage(flags, env, (s) => s.listUsers())) out(`${u.username}\t${u.createdAt}`);
    return EXIT.ok;
  });
}

function registerTokens(program: Command, env: NodeJS.ProcessEnv, run: Run): void {
  const token = program.command('token').description('manage login tokens');
  storageCommand(token, 'revoke <user>', 'revoke every token of a user', run, async ([name = ''], flags) => {
    checkUserName(name);
    const count = await withStorage(flags, env, (s) => s.revokeUserTokens(name));
    out(`${count} token(s) of ${name} revoked`);
    return EXIT.ok;
  });
}

function registerMembers(program: Command, env: NodeJS.ProcessEnv, run: Run): void {
  const member = program.command('member').description('manage who may push to a namespace');
  storageCommand(
    member,
    'add <namespace> <user>',
    'add (or change) a member of a namespace; creates the namespace if nobody owns it yet',
    run,
    async ([ns = '', name = ''], flags) => {
      checkNamePart(ns, 'namespace');
      checkUserName(name);
      const role = flags.owner ? 'owner' : 'member';
      await withStorage(flags, env, (s) => s.setMember(ns, name, role));
      out(`${name} is now ${role} of ${ns}`);
      return EXIT.ok;
    },
  ).option('--owner', 'make the user an owner (owners manage members)');
  storageCommand(
    member,
    'remove <namespace> <user>',
    'remove a member (the last owner cannot be removed)',
    run,
    async ([ns = '', name = ''], flags) => {
      checkNamePart(ns, 'namespace');
      checkUserName(name);
      if (!(await withStorage(flags, env, (s) => s.removeMember(ns, name))))
        throw new CliError(`${name} is not a member of ${ns}`, EXIT.notFound);
      out(`${name} removed from ${ns}`);
      return EXIT.ok;
    },
  );
  storageCommand(member, 'list <namespace>', 'list members and roles', run, async ([ns = ''], flags) => {
    checkNamePart(ns, 'namespace');
    const members = await withStorage(flags, env, (s) => s.listMembers(ns));
    if (!members)
      throw new CliError(
        `namespace ${ns} has no owner yet`,
        EXIT.notFound,
        'the first push claims it, or use `member add NS USER --owner`',
      );
    for (const m of members) out(`${m.username}\t${m.role}`);
    return EXIT.ok;
  });
}

/** Runs the CLI with `argv` (node, script, args…) and returns the exit code; never calls process.exit. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let result: Promise<number> = Promise.resolve(EXIT.ok);
  const program = new Command('stackanetes-registry')
    .description('The stackanetes package registry (App Registry API) and its administration')
    .version(serverVersion(), '-V, --version')
    .option('--debug', 'show the stack trace of an internal error')
    .exitOverride()
    .showSuggestionAfterError(true);

  const run: Run = (p) => {
    result = p;
  };
  registerServe(program, env, run);
  registerUsers(program, env, run);
  registerTokens(program, env, run);
  registerMembers(program, env, run);

  try {
    await program.parseAsync(argv as string[]);
    return await result;
  } catch (err) {
    return report(err, argv.includes('--debug'));
  }
}

function report(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  // One line, the fix included, like the client's errors: it survives `2>&1 | tail -1`.
  const line = (message: string, hint?: string) => {
    process.stderr.write(`error: ${message}${hint ? `; fix: ${hint}` : ''}\n`);
  };
  if (err instanceof CliError) {
    line(err.message, err.hint);
    return err.exitCode;
  }
  if (err instanceof ConfigError) {
    line(err.message);
    return EXIT.usage;
  }
  if (err instanceof HttpError) {
    line(err.message);
    return err.status === 404 ? EXIT.notFound : err.status === 409 ? EXIT.conflict : EXIT.invalid;
  }
  if (err instanceof StorageConflict) {
    line(err.message);
    return err.kind === 'missing-user' || err.kind === 'missing-namespace' ? EXIT.notFound : EXIT.conflict;
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '3D000' || code === '28P01') {
    line(
      `cannot open storage: ${(err as Error).message}`,
      'check the --storage URL and that PostgreSQL is running',
    );
    return EXIT.invalid;
  }
  // A storage directory that is a file, unwritable, read-only or full is the operator's input,
  // not a bug: one line naming the path, no stack.
  const fsError = err as NodeJS.ErrnoException;
  if (
    typeof fsError.syscall === 'string' &&
    typeof fsError.path === 'string' &&
    ['ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EEXIST', 'ENOENT', 'EISDIR'].includes(code ?? '')
  ) {
    line(
      `cannot use storage at ${fsError.path}: ${fsError.message}`,
      'point --storage at a directory this user can write (it is created if missing)',
    );
    return EXIT.invalid;
  }
  const message = err instanceof Error ? err.message : String(err);
  line(
    `internal error: ${message.split('\n')[0]}`,
    debug
      ? undefined
      : 'this is a bug in stackanetes-registry: report it with the output of the same command run with --debug',
  );
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT.internal;
}
