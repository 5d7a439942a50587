/**
 * What the per-verb tests under test/cmd share: `main(argv, writer)` run in this process with a
 * capturing writer, a throwaway STACKANETES_HOME, the simulator, an in-process registry-server,
 * golden files of CLI output and the scrubber that makes that output comparable run to run.
 *
 * The CLI still reads process.env, process.cwd() and process.stdin directly; jest gives every
 * test file its own copy of process.env, so a file sets what it needs once in beforeAll. Paths
 * are always passed absolute so no test depends on the working directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { Writer } from '../../src/cli/output.js';
import { hashPassword } from '../../registry-server/auth.js';
import { resolveConfig } from '../../registry-server/config.js';
import { createLogger } from '../../registry-server/log.js';
import { startServer } from '../../registry-server/server.js';
import { openStorage } from '../../registry-server/storage/open.js';
import { startSimulator, type Simulator } from '../../simulator/src/index.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const clusterFixtures = join(repoRoot, 'test', 'fixtures', 'cluster');
export const registryFixtures = join(repoRoot, 'test', 'fixtures', 'registry-client');
const GOLDEN = join(repoRoot, 'test', 'golden', 'cmd');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** What one CLI run produced: the exit code and everything written to each stream. */
export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `stackanetes ARGS` in this process. `stdin` replaces process.stdin for the run (login
 * reads its password there); the writer is neither a TTY nor coloured, as under a pipe.
 */
export async function run(args: readonly string[], options: { stdin?: string } = {}): Promise<CmdResult> {
  let stdout = '';
  let stderr = '';
  const line = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);
  const writer: Writer = {
    out: (text) => (stdout += line(text)),
    err: (text) => (stderr += line(text)),
    isTTY: false,
    color: false,
  };
  await preloadShared();
  const restore = options.stdin !== undefined ? replaceStdin(options.stdin) : () => undefined;
  try {
    const code = await main(['node', 'stackanetes', ...args], writer);
    return { code, stdout, stderr };
  } finally {
    restore();
  }
}

let preloaded: Promise<unknown> | undefined;

/**
 * Jest's ESM runtime (30.5, node:vm modules) fails with "request for 'node:fs' is not in cache"
 * when two dynamic imports that share a not yet linked dependency run at once, which
 * generate and deploy do (`Promise.all([import(create-source), import(lockfile), …])`). The
 * built CLI under plain node has no such race; loading the two modules one after the other
 * before the first run keeps the in-process runs on the same code path.
 */
function preloadShared(): Promise<unknown> {
  preloaded ??= (async () => {
    await import('../../src/resolve/create-source.js');
    await import('../../src/resolve/lockfile.js');
  })();
  return preloaded;
}

function replaceStdin(text: string): () => void {
  const previous = Object.getOwnPropertyDescriptor(process, 'stdin');
  Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(text)]), configurable: true });
  return () => {
    if (previous) Object.defineProperty(process, 'stdin', previous);
  };
}

/** Fails with the stderr when a run that should succeed did not. */
export function ok(result: CmdResult): CmdResult {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result;
}

/** The parsed stdout of a successful `-o json` run. */
export function json<T>(result: CmdResult): T {
  return JSON.parse(ok(result).stdout) as T;
}

/**
 * A bad-input run: the exit code, nothing on stdout, and exactly one `error:` line matching
 * `pattern` on stderr, with no stack trace.
 */
export function expectOneLineError(result: CmdResult, code: number, pattern: RegExp): void {
  expect(result.stderr).not.toMatch(/\n\s+at /);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.code).toBe(code);
}

const temps: string[] = [];

/** A fresh temp dir, removed by removeTemps(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `stackanetes-cmd-${prefix}-`));
  temps.push(dir);
  return dir;
}

export function removeTemps(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A fresh STACKANETES_HOME (config.yaml, credentials, caches) for this test file, with CI set so
 * progress never animates and NO_COLOR so nothing is painted. `registry` becomes the default.
 */
export function isolateHome(registry?: string): string {
  const home = tempDir('home');
  process.env.STACKANETES_HOME = home;
  process.env.CI = 'true';
  process.env.NO_COLOR = '1';
  if (registry) process.env.STACKANETES_REGISTRY = registry;
  else delete process.env.STACKANETES_REGISTRY;
  return home;
}

/**
 * Replaces what legitimately differs from run to run with fixed placeholders:
 * - loopback ports (`127.0.0.1:NNNNN`: the simulator and registry take free ones, which the
 *   kernel hands out from its ephemeral range, 5 digits, so tables keep their column widths);
 * - the per-run temp dirs (`<tmp>`; under them the layout is the test's own) and the checkout
 *   (`<repo>`, fixtures are read from it);
 * - ISO timestamps of release records and registry releases (`YYYY-MM-DDTHH:MM:SS.sssZ`, as
 *   long as what it replaces, so tables keep their column widths);
 * - durations printed as `1.2s`, `0.4 s` or `350ms` (`<duration>`);
 * - the revision leases' and registry tokens' random ids are never printed, so not scrubbed.
 * Package digests are content hashes of deterministic tarballs and stay as they are.
 */
export function scrub(text: string): string {
  let out = text;
  for (const dir of [...temps].sort((a, b) => b.length - a.length)) out = out.split(dir).join('<tmp>');
  out = out.split(repoRoot).join('<repo>');
  return out
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:NNNNN')
    .replace(
      /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\b/g,
      (_, fraction?: string) =>
        `YYYY-MM-DDTHH:MM:SS${fraction ? `.${'s'.repeat(fraction.length - 1)}` : ''}Z`,
    )
    .replace(/\b\d+(\.\d+)? ?(ms|s)\b/g, '<duration>');
}

/**
 * Compares the scrubbed `text` with test/golden/cmd/VERB/NAME.txt, or writes it there under
 * UPDATE_GOLDEN=1. A missing golden file fails, so a new case cannot pass unseen.
 */
export function expectGolden(verb: string, name: string, text: string): void {
  const path = join(GOLDEN, verb, `${name}.txt`);
  const actual = scrub(text);
  if (UPDATE) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path))
    throw new Error(`no golden file test/golden/cmd/${verb}/${name}.txt: run with UPDATE_GOLDEN=1`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/** The simulator on a free loopback port with a kubeconfig for it. */
export interface TestCluster {
  sim: Simulator;
  kubeconfig: string;
  /** `ARGS --kubeconfig K`. */
  args(...args: string[]): string[];
  stop(): Promise<void>;
}

export async function startCluster(): Promise<TestCluster> {
  const dir = tempDir('cluster');
  // No readiness delay: the tests assert output, not timing, and waiting would only cost time.
  const sim = await startSimulator({ readinessDelayMs: 0 });
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  return {
    sim,
    kubeconfig,
    args: (...args) => [...args, '--kubeconfig', kubeconfig],
    stop: () => sim.stop(),
  };
}

/** A registry-server in this process with filesystem storage and one user, alice / password. */
export interface TestRegistry {
  url: string;
  stop(): Promise<void>;
}

export const REGISTRY_USER = 'alice';
export const REGISTRY_PASSWORD = 'password';

export async function startRegistry(): Promise<TestRegistry> {
  const root = tempDir('registry');
  const config = resolveConfig({ listen: '127.0.0.1:0', storage: root, logLevel: 'error' }, {});
  const storage = await openStorage(root, { lockStaleMs: config.lockStaleMs, pgPoolSize: 1 });
  await storage.addUser({
    username: REGISTRY_USER,
    passwordHash: await hashPassword(REGISTRY_PASSWORD),
    createdAt: new Date().toISOString(),
  });
  const server = await startServer({
    config,
    storage,
    logger: createLogger('error', () => undefined),
    version: '0.0.0-test',
  });
  return { url: server.url, stop: () => server.close() };
}

/** Logs the test's STACKANETES_HOME in to `registry` as alice. */
export async function login(registry: TestRegistry): Promise<void> {
  ok(
    await run(['login', registry.url, '-u', REGISTRY_USER, '--password-stdin'], {
      stdin: `${REGISTRY_PASSWORD}\n`,
    }),
  );
}

/** Pushes fixture packages of test/fixtures/registry-client (db, web, cache) to the default registry. */
export async function pushFixtures(names: readonly string[], flags: readonly string[] = []): Promise<void> {
  ok(await run(['push', ...names.map((n) => join(registryFixtures, n)), ...flags]));
}

/**
 * The per-package wave lines deploy and rollback print when not on a terminal (`started …`,
 * `ready   …`), sorted: independent packages run side by side, so their lines interleave in
 * whatever order the packages finish. `result` is the rest of stdout, in order.
 */
export function splitProgress(stdout: string): { progress: string; result: string } {
  const lines = stdout.split('\n');
  const wave = /^(started|ready  |failed ) /;
  return {
    progress: `${lines
      .filter((l) => wave.test(l))
      .sort()
      .join('\n')}\n`,
    result: lines.filter((l) => !wave.test(l)).join('\n'),
  };
}

/**
 * `-o json` of a deploy-like verb with its request counters replaced: how many requests a run
 * takes depends on how often readiness is polled before the simulator reports ready.
 */
export function withoutRequestCounts(stdout: string): string {
  const data = JSON.parse(stdout) as Record<string, unknown>;
  expect(data.requests).toEqual({ total: expect.any(Number), writes: expect.any(Number), retries: 0 });
  return `${JSON.stringify({ ...data, requests: '<counted per run>' }, null, 2)}\n`;
}

/** Deploys test/fixtures/cluster/app (4 packages) into `namespace`, with `flags` appended. */
export async function deployApp(
  cluster: TestCluster,
  namespace: string,
  ...flags: string[]
): Promise<CmdResult> {
  return ok(
    await run(cluster.args('deploy', join(clusterFixtures, 'app'), '-n', namespace, '--quiet', ...flags)),
  );
}

/**
 * Stands for a server a test file starts in its beforeAll and stops in its afterAll: the value can
 * be declared at the top of the file, and reading it before the server started fails clearly.
 */
function startedLater<T extends object>(what: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const started = get();
      if (!started) throw new Error(`the test ${what} is used before its beforeAll started it`);
      const value = Reflect.get(started, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(started) : value;
    },
  });
}

/**
 * A registry-server for the whole test file, in an isolated stackanetes home, optionally logged in
 * to and with fixture packages pushed (`push` and its flags); stopped, with the temporary
 * folders removed, after the file's tests.
 */
export function useRegistry(
  setup: { login?: boolean; push?: readonly string[]; pushFlags?: readonly string[] } = {},
): TestRegistry {
  let registry: TestRegistry | undefined;
  beforeAll(async () => {
    registry = await startRegistry();
    isolateHome();
    if (setup.login) await login(registry);
    if (setup.push) await pushFixtures(setup.push, setup.pushFlags ?? []);
  });
  afterAll(async () => {
    await registry?.stop();
    removeTemps();
  });
  return startedLater('registry', () => registry);
}

/** The simulator for the whole test file, in an isolated home, after `prepare` (deploys) ran; stopped after. */
export function useCluster(prepare: (cluster: TestCluster) => Promise<void> = async () => {}): TestCluster {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster();
    isolateHome();
    await prepare(cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
    removeTemps();
  });
  return startedLater('cluster', () => cluster);
}
