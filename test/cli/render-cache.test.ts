import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.js';

/**
 * The render cache of the bundled CLI: a repeated generate with the same inputs is served from an
 * entry named by the digest of everything the render reads; any changed input renders afresh.
 */
describe('the render cache', () => {
  let work: string;
  let home: string;
  let packages: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'stackanetes-render-cache-'));
    home = join(work, 'home');
    packages = join(work, 'packages');
    for (const name of ['memcached', 'common'])
      cpSync(join(repoRoot, 'packages', name), join(packages, name), { recursive: true });
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const generate = (extra: string[] = [], env: Record<string, string> = {}) =>
    runCli(['generate', join(packages, 'memcached'), '--namespace', 'cache-test', ...extra], {
      env: { STACKANETES_HOME: home, ...env },
    });
  const entries = () => {
    try {
      return readdirSync(join(home, 'cache', 'renders')).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
  };
  /** Rewrites the one entry so that a hit is visible in the output. */
  const markEntry = (): string => {
    const [name] = entries();
    const path = join(home, 'cache', 'renders', name as string);
    const entry = JSON.parse(readFileSync(path, 'utf8')) as {
      packages: { objects: { object: { metadata: { labels?: Record<string, string> } } }[] }[];
      texts?: string[];
    };
    const first = entry.packages[0]?.objects[0]?.object;
    if (!first) throw new Error('empty entry');
    first.metadata.labels = { ...first.metadata.labels, 'served-from': 'cache' };
    delete entry.texts;
    writeFileSync(path, JSON.stringify(entry), { mode: 0o600 });
    return path;
  };

  it('serves a repeated generate from its entry and prints the same manifests', async () => {
    const first = await generate();
    expect(first.code).toBe(0);
    expect(entries()).toHaveLength(1);
    const second = await generate();
    expect(second).toEqual(first);
    markEntry();
    const third = await generate();
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('served-from: cache');
  });

  it('reuses evaluated derived defaults for the same package and values', async () => {
    expect((await generate()).code).toBe(0);
    const dir = join(home, 'cache', 'derived');
    const [name] = readdirSync(dir).filter((n) => n.endsWith('.json'));
    const path = join(dir, name as string);
    const values = JSON.parse(readFileSync(path, 'utf8')) as { image: string };
    expect(values.image).toBe('quay.io/openstack.kolla/memcached:2025.1-ubuntu-noble');
    writeFileSync(path, JSON.stringify({ ...values, image: 'example/from-derived-cache:1' }), {
      mode: 0o600,
    });
    // Without the whole-render entry, so the render itself runs and evaluates derived defaults.
    rmSync(join(home, 'cache', 'renders'), { recursive: true, force: true });
    const again = await generate();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('image: example/from-derived-cache:1');
    const changed = await generate(['--set', 'deployment.image.base=registry.example/%s:1']);
    expect(changed.stdout).toContain('image: registry.example/memcached:1');
  });

  it('renders afresh when a template, a parameter or the namespace changes', async () => {
    expect((await generate()).code).toBe(0);
    markEntry();
    const set = await generate(['--set', 'cache.port=11222']);
    expect(set.stdout).not.toContain('served-from');
    expect(set.stdout).toContain('11222');
    const namespace = await runCli(['generate', join(packages, 'memcached'), '--namespace', 'other'], {
      env: { STACKANETES_HOME: home },
    });
    expect(namespace.stdout).not.toContain('served-from');
    const template = readdirSync(join(packages, 'memcached', 'templates')).find((n) =>
      n.endsWith('.yaml.hbs'),
    );
    const path = join(packages, 'memcached', 'templates', template as string);
    writeFileSync(path, `${readFileSync(path, 'utf8')}\n# edited\n`);
    const edited = await generate();
    expect(edited.code).toBe(0);
    expect(edited.stdout).not.toContain('served-from');
  });

  it('ignores an entry that other users can write, and a damaged one', async () => {
    expect((await generate()).code).toBe(0);
    const path = markEntry();
    chmodSync(path, 0o666);
    expect((await generate()).stdout).not.toContain('served-from');
    writeFileSync(path, '{"packages": [', { mode: 0o600 });
    chmodSync(path, 0o600);
    const damaged = await generate();
    expect(damaged.code).toBe(0);
    expect(damaged.stdout).toContain('kind: Service');
  });

  /** Adds a warning to the one inputs note, so that an answer from it is visible on stderr. */
  const markNote = (): void => {
    const dir = join(home, 'cache', 'inputs');
    const [name] = readdirSync(dir).filter((n) => n.endsWith('.json'));
    const path = join(dir, name as string);
    const note = JSON.parse(readFileSync(path, 'utf8')) as { warnings: string[] };
    writeFileSync(path, JSON.stringify({ ...note, warnings: ['answered-from-inputs-note'] }), {
      mode: 0o600,
    });
  };

  it('answers an unchanged generate from its inputs note, with the same output', async () => {
    const params = join(work, 'parameters.yaml');
    writeFileSync(params, 'cache:\n  port: 11300\n');
    const first = await generate(['--variables', params]);
    expect(first.code).toBe(0);
    const second = await generate(['--variables', params]);
    expect(second).toEqual(first);
    markNote();
    const third = await generate(['--variables', params]);
    expect(third.stdout).toBe(first.stdout);
    expect(third.stderr).toContain('answered-from-inputs-note');
  });

  it('loads the packages again when a template, a new file or a --variables file changes', async () => {
    const params = join(work, 'parameters.yaml');
    writeFileSync(params, 'cache:\n  port: 11300\n');
    const args = ['--variables', params];
    expect((await generate(args)).code).toBe(0);
    markNote();
    expect((await generate(args)).stderr).toContain('answered-from-inputs-note');

    writeFileSync(params, 'cache:\n  port: 11301\n');
    const variables = await generate(args);
    expect(variables.stderr).not.toContain('answered-from-inputs-note');
    expect(variables.stdout).toContain('11301');

    markNote();
    writeFileSync(join(packages, 'memcached', 'templates', 'extra.yaml.hbs'), 'kind: ConfigMap\n');
    const added = await generate(args);
    expect(added.stderr).not.toContain('answered-from-inputs-note');
    rmSync(join(packages, 'memcached', 'templates', 'extra.yaml.hbs'));

    expect((await generate(args)).code).toBe(0);
    markNote();
    const template = readdirSync(join(packages, 'memcached', 'templates')).find((n) =>
      n.endsWith('.yaml.hbs'),
    );
    const path = join(packages, 'memcached', 'templates', template as string);
    writeFileSync(path, `${readFileSync(path, 'utf8')}\n# edited\n`);
    const edited = await generate(args);
    expect(edited.code).toBe(0);
    expect(edited.stderr).not.toContain('answered-from-inputs-note');

    markNote();
    const library = join(packages, 'common', 'manifest.yaml');
    writeFileSync(library, `${readFileSync(library, 'utf8')}\n# edited\n`);
    expect((await generate(args)).stderr).not.toContain('answered-from-inputs-note');
  });

  it('neither reads nor writes entries with STACKANETES_RENDER_CACHE=off', async () => {
    expect((await generate([], { STACKANETES_RENDER_CACHE: 'off' })).code).toBe(0);
    expect(entries()).toHaveLength(0);
    expect((await generate()).code).toBe(0);
    markEntry();
    expect((await generate([], { STACKANETES_RENDER_CACHE: 'off' })).stdout).not.toContain('served-from');
  });
});
