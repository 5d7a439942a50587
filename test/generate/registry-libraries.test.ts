/**
 * Libraries through a real registry-server: a library is pushed like any package, a package
 * pulled from the registry gets its libraries resolved with it (range, one release per
 * render), `generate` of a registry reference writes a lockfile that lists the library with its
 * digest, and `--locked` replays exactly that library release even after a newer one is pushed;
 * an OCI package finds its library in the sibling repository under the same prefix.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { createActionContext } from '../../src/actions/context.js';
import { generate } from '../../src/actions/generate.js';
import { login } from '../../src/actions/login.js';
import { push } from '../../src/actions/push.js';
import { removeTempDirs, startRegistry, tempDir, type RunningRegistry } from '../registry-client/helpers.js';

let registry: RunningRegistry;
let env: NodeJS.ProcessEnv;
let work: string;
const digests: Record<string, string> = {};

function writePackage(dir: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Pushes library regtest/shared at `version`; its partial renders the version, so output shows which one was used. */
async function pushLibrary(version: string): Promise<void> {
  const dir = writePackage(join(work, `shared-${version}`, 'shared'), {
    'manifest.yaml': `package: {name: regtest/shared, version: ${version}, kind: library}\n`,
    'README.md': '# regtest/shared\n',
    'templates/_cm.hbs': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{name}} }\ndata: {from: "shared ${version}"}\n`,
  });
  digests[`shared@${version}`] = (
    await push(createActionContext({ cwd: work, env: env }), { dir, channels: [] })
  ).digest;
}

beforeAll(async () => {
  registry = await startRegistry();
  work = tempDir('libraries-work');
  env = {
    ...process.env,
    STACKANETES_HOME: tempDir('libraries-home'),
    STACKANETES_REGISTRY: registry.url,
    CI: 'true',
  };
  await login(createActionContext({ cwd: process.cwd(), env: env }), {
    username: 'alice',
    password: 'password',
  });
  await pushLibrary('1.0.0');
  await pushLibrary('1.1.0');
  await pushLibrary('2.0.0');
  // The application lives alone in its folder: no sibling library, so only the registry has it.
  const app = writePackage(join(work, 'app-only', 'app'), {
    'manifest.yaml': [
      'package: {name: regtest/app, version: 1.0.0}',
      'resources: [{file: templates/cm.yaml.hbs}]',
      'libraries: [{name: regtest/shared, version: "^1.0.0"}]',
      '',
    ].join('\n'),
    'templates/cm.yaml.hbs': '{{> shared/cm name="app-config"}}\n',
  });
  digests.app = (await push(createActionContext({ cwd: work, env: env }), { dir: app, channels: [] })).digest;
}, 60000);

afterAll(async () => {
  removeTempDirs();
  await registry.stop();
});

const lockOf = (project: string) =>
  parse(readFileSync(join(project, 'stackanetes.lock'), 'utf8')) as {
    packages: { name: string; version: string; digest?: string; registry?: string }[];
  };

describe('libraries through the registry', () => {
  it('resolves the library of a registry package by range, records it on the package and in the lockfile', async () => {
    const project = tempDir('libraries-project');
    const result = await generate(createActionContext({ cwd: project, env: env }), {
      reference: 'regtest/app',
      namespace: 'demo',
      format: 'yaml',
    });
    expect(result.stream).toContain('from: shared 1.1.0');
    expect(result.release.packages[0]?.libraries).toEqual([
      { name: 'regtest/shared', version: '1.1.0', digest: digests['shared@1.1.0'] },
    ]);
    expect(lockOf(project).packages.map((p) => [p.name, p.version, p.digest])).toEqual([
      ['regtest/app', '1.0.0', digests.app],
      ['regtest/shared', '1.1.0', digests['shared@1.1.0']],
    ]);
  });

  it('--locked replays the locked library release after a newer one is pushed', async () => {
    const project = tempDir('libraries-locked');
    await generate(createActionContext({ cwd: project, env: env }), {
      reference: 'regtest/app',
      namespace: 'demo',
      format: 'yaml',
    });
    await pushLibrary('1.2.0');
    const locked = await generate(createActionContext({ cwd: project, env: env }), {
      reference: 'regtest/app',
      namespace: 'demo',
      format: 'yaml',
      locked: true,
    });
    expect(locked.stream).toContain('from: shared 1.1.0');
    const fresh = await generate(createActionContext({ cwd: tempDir('libraries-fresh'), env: env }), {
      reference: 'regtest/app',
      namespace: 'demo',
      format: 'yaml',
    });
    expect(fresh.stream).toContain('from: shared 1.2.0');
  });

  it('generate --in-channel refuses a root release that is not in the channel', async () => {
    await expect(
      generate(createActionContext({ cwd: tempDir('libraries-channel'), env: env }), {
        reference: 'regtest/app',
        namespace: 'demo',
        format: 'yaml',
        inChannel: 'stable',
      }),
    ).rejects.toThrow(/regtest\/app has no channel "stable"/);
  });

  it('resolves the library of an OCI package by range from its sibling repository', async () => {
    const ociUrl = process.env.STACKANETES_TEST_OCI_URL as string;
    expect(ociUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const prefix = `oci://${new URL(ociUrl).host}/stk-lib-${process.pid}`;
    for (const version of ['1.0.0', '1.1.0', '2.0.0'])
      await push(createActionContext({ cwd: work, env: env }), {
        dir: join(work, `shared-${version}`, 'shared'),
        channels: [],
        registry: prefix,
      });
    await push(createActionContext({ cwd: work, env: env }), {
      dir: join(work, 'app-only', 'app'),
      channels: [],
      registry: prefix,
    });
    const project = tempDir('libraries-oci');
    const result = await generate(createActionContext({ cwd: project, env: env }), {
      reference: `${prefix}/regtest/app:1.0.0`,
      namespace: 'demo',
      format: 'yaml',
    });
    expect(result.stream).toContain('from: shared 1.1.0');
    expect(lockOf(project).packages.map((p) => [p.name, p.version])).toEqual([
      ['regtest/app', '1.0.0'],
      ['regtest/shared', '1.1.0'],
    ]);
  });

  it('refuses to generate a library pulled from the registry', async () => {
    await expect(
      generate(createActionContext({ cwd: tempDir('libraries-lib'), env: env }), {
        reference: 'regtest/shared@1.0.0',
        namespace: 'demo',
        format: 'yaml',
      }),
    ).rejects.toThrow(
      'regtest/shared@1.0.0 is a library package (package.kind: library) and has nothing to render or deploy',
    );
  });
});
