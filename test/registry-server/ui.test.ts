/**
 * The registry web UI in a real browser: Debian's headless Chromium (installed by
 * test/services/install.sh), driven by playwright-core, against the built registry-server with the
 * whole package set pushed. Screenshots go to .test-artifacts/registry-ui/ (gitignored).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot, runCli, type CliResult } from '../helpers/cli.js';

/** keystone's version in packages/, and the next patch release the tests push beside it. */
const current =
  /^ {2}version: (\S+)$/m.exec(
    readFileSync(join(repoRoot, 'packages', 'keystone', 'manifest.yaml'), 'utf8'),
  )?.[1] ?? '';
const nextRelease = current.replace(/\d+$/, (patch) => String(Number(patch) + 1));
import { removeTempDirs, startRegistry, tempDir, type RunningRegistry } from '../registry-client/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const artifacts = join(repoRoot, '.test-artifacts', 'registry-ui');
const KEYSTONE = '/ui/packages/stackanetes/keystone';

let registry: RunningRegistry;
let browser: Browser;
let home: string;
let work: string;
const contexts: BrowserContext[] = [];

const cli = (args: string[], input = ''): Promise<CliResult> =>
  runCli(args, {
    cwd: work,
    input,
    env: { STACKANETES_HOME: home, STACKANETES_REGISTRY: registry.url, CI: 'true' },
  });

async function ok(result: Promise<CliResult>): Promise<string> {
  const r = await result;
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** A copy of a package directory with manifest.yaml (and README.md) rewritten. */
function variant(source: string, dirName: string, manifest: (t: string) => string, readme?: string): string {
  const dir = join(work, dirName);
  cpSync(source, dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.yaml'), manifest(readFileSync(join(dir, 'manifest.yaml'), 'utf8')));
  if (readme !== undefined) writeFileSync(join(dir, 'README.md'), readme);
  return dir;
}

async function newPage(viewport = { width: 1200, height: 900 }, mobile = false): Promise<Page> {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

async function logIn(page: Page, user: string, next: string): Promise<void> {
  await page.goto(`${registry.url}/ui/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill('password');
  await page.getByLabel('Password').press('Enter');
  await page.waitForURL(`${registry.url}${next}`);
  await page.locator('#signed-in').waitFor();
}

/** An element's text with runs of white space (the page's own indentation) collapsed. */
const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

const channelCurrent = async (page: Page, channel: string) =>
  (await page.locator(`#channels-table tr[data-channel="${channel}"] td.current`).textContent())?.trim();

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: run \`bash test/services/install.sh\` (as root it installs Debian's chromium)`,
    );
  mkdirSync(artifacts, { recursive: true });
  registry = await startRegistry();
  home = tempDir('ui-home');
  work = tempDir('ui-work');
  const bob = await runCli(['user', 'add', 'bob', '--storage', registry.storage], {
    bin: 'stackanetes-registry',
    input: 'password\n',
  });
  if (bob.code !== 0) throw new Error(bob.stderr);
  await ok(cli(['login', registry.url, '-u', 'alice', '--password-stdin'], 'password\n'));
  const packages = join(repoRoot, 'packages');
  for (const name of readdirSync(packages)) await ok(cli(['push', join(packages, name)]));
  const keystone = join(packages, 'keystone');
  await ok(
    cli([
      'push',
      variant(keystone, 'keystone-next', (t) => t.replace(/^ {2}version: .*$/m, `  version: ${nextRelease}`)),
    ]),
  );
  await ok(cli(['channel', 'stackanetes/keystone', '--name', 'stable', '--add', current]));
  // Everything a package author controls that reaches a page: README and description.
  await ok(
    cli([
      'push',
      variant(
        join(packages, 'memcached'),
        'hostile',
        (t) =>
          t
            .replace(/^ {2}name: .*$/m, '  name: hostile/markup')
            .replace(
              /^ {2}description: .*$/m,
              `  description: '<img src=x onerror="window.__xss=1"><b>bold</b>'`,
            ),
        [
          '# Hostile',
          '',
          '<script>window.__xss = 1</script>',
          '',
          'A [link](javascript:window.__xss=1) and <img src=x onerror="window.__xss=1"> inline.',
        ].join('\n'),
      ),
    ]),
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Chromium refuses to start its sandbox as root (CI runs as root).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}, 300000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await registry?.stop();
  removeTempDirs();
});

describe('registry web UI', () => {
  it('finds keystone by searching from the keyboard', async () => {
    const page = await newPage();
    await page.goto(`${registry.url}/`);
    expect(await page.locator('#results li').count()).toBeGreaterThanOrEqual(17);
    // Skip link, brand, then the search box.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('q');
    await page.keyboard.type('keyst');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?q=keyst$/);
    const names = await page.locator('#results a.name').allTextContents();
    expect(names).toEqual(['stackanetes/keystone']);
    expect(await page.locator('#results .description').textContent()).toMatch(/OpenStack Identity/);
    await shot(page, 'search-keystone');
    await page.locator('#results a.name').click();
    await page.waitForURL(`${registry.url}${KEYSTONE}`);
  });

  it('shows releases with digest, size and date, channels, dependencies, parameters, the manifest preview and the README', async () => {
    const page = await newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${registry.url}${KEYSTONE}`);
    expect(requested.filter((u) => !u.startsWith(`${registry.url}/`))).toEqual([]);
    expect(requested.some((u) => u.endsWith('/app.js'))).toBe(true);
    expect(await page.locator('#release').textContent()).toBe(nextRelease);
    const rows = page.locator('#releases-table tbody tr');
    expect(await rows.count()).toBe(2);
    const first = (await rows.nth(0).locator('td').allTextContents()).map((t) => t.trim());
    expect(first[0]).toBe(nextRelease);
    expect(first[2]).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(first[3]).toMatch(/KiB$/);
    expect(first[4]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect((await rows.nth(1).locator('td').allTextContents())[5]).toBe('stable (current)');
    expect(await channelCurrent(page, 'stable')).toBe(current);
    expect(await page.locator('#dependencies-table a').allTextContents()).toEqual([
      'stackanetes/openstack-common',
      'stackanetes/common',
    ]);
    const parameters = await page.locator('#parameters-table tbody tr').allTextContents();
    expect(parameters.some((r) => /^identity\.region\s*RegionOne$/.test(r.trim()))).toBe(true);
    expect(await text(page, '#preview-summary')).toMatch(/^\d+ objects rendered with the defaults/);
    const summaries = (await page.locator('#preview-objects summary').allTextContents()).map((t) =>
      t.replace(/\s+/g, ' ').trim(),
    );
    expect(summaries.some((s) => s.startsWith('Deployment keystone-api'))).toBe(true);
    const deployment = page
      .locator('#preview-objects details', { hasText: 'Deployment keystone-api' })
      .first();
    await deployment.locator('summary').focus();
    await page.keyboard.press('Enter');
    expect(await deployment.locator('pre').textContent()).toContain('kind: Deployment');
    expect(await page.locator('#readme-body h4').allTextContents()).toContain('Fernet and credential keys');
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.locator('#readme-body table').count()).toBeGreaterThan(0);
    await shot(page, 'package-keystone');
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const page = await newPage({ width: 390, height: 844 }, true);
    await page.goto(`${registry.url}${KEYSTONE}`);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(artifacts, 'package-keystone-phone.png') });
  });

  it('lets an owner log in and move stable, which the page and `stackanetes show` both report', async () => {
    const page = await newPage();
    await logIn(page, 'alice', KEYSTONE);
    await page.locator('#channel-form').waitFor({ state: 'visible' });
    expect(await page.locator('#manage-status').textContent()).toMatch(/alice, owner of stackanetes/);
    await page.getByLabel('Channel', { exact: true }).fill('stable');
    await page.getByLabel('Release', { exact: true }).selectOption(nextRelease);
    await page.getByRole('button', { name: 'Move channel' }).click();
    await page
      .locator('#manage-status', { hasText: `Channel stable now points at ${nextRelease}.` })
      .waitFor();
    expect(await channelCurrent(page, 'stable')).toBe(nextRelease);
    await shot(page, 'owner-moved-stable');
    const shown = JSON.parse(await ok(cli(['show', 'stackanetes/keystone', '--output', 'json']))) as {
      channels: { name: string; current: string }[];
    };
    expect(shown.channels.find((c) => c.name === 'stable')?.current).toBe(nextRelease);
  });

  it('lets an owner add and remove a member', async () => {
    const page = await newPage();
    await logIn(page, 'alice', KEYSTONE);
    await page.locator('#member-form').waitFor({ state: 'visible' });
    await page.getByLabel('User', { exact: true }).fill('bob');
    await page.getByLabel('Role', { exact: true }).selectOption('member');
    await page.getByRole('button', { name: 'Add or change member' }).click();
    await page.locator('#members-body tr', { hasText: 'bob' }).waitFor();
    await shot(page, 'owner-members');
    await page.getByRole('button', { name: 'Remove bob' }).click();
    await page.locator('#manage-status', { hasText: 'bob is no longer a member' }).waitFor();
    await page.locator('#members-body tr', { hasText: 'bob' }).waitFor({ state: 'detached' });
    expect(await page.locator('#members-body tr').allTextContents()).toEqual([
      expect.stringMatching(/^aliceowner/),
    ]);
  });

  it('refuses a non-owner: no channel controls, and the API answers 403 to the same request', async () => {
    const page = await newPage();
    await logIn(page, 'bob', KEYSTONE);
    await page
      .locator('#manage-status', { hasText: 'bob is not a member of namespace stackanetes' })
      .waitFor();
    expect(await page.locator('#channel-form').isVisible()).toBe(false);
    expect(await page.locator('#members').isVisible()).toBe(false);
    // The token the page holds for bob, sent straight to the API: the server is what refuses.
    const token = await page.evaluate<string>(
      "JSON.parse(sessionStorage.getItem('stackanetes-registry-session')).token",
    );
    const { status } = await fetch(
      `${registry.url}/api/v1/packages/stackanetes/keystone/channels/stable/${current}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(status).toBe(403);
    await page.reload();
    expect(await channelCurrent(page, 'stable')).toBe(nextRelease);
    await shot(page, 'non-owner-refused');
  });

  it('renders a README with <script> and a description with HTML inert', async () => {
    const page = await newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${registry.url}/ui/packages/hostile/markup`);
    expect(await text(page, '#description')).toBe('<img src=x onerror="window.__xss=1"><b>bold</b>');
    expect(await page.locator('#description img, #description b').count()).toBe(0);
    expect(await page.locator('#readme-body script, #readme-body img').count()).toBe(0);
    expect(await page.locator('#readme-body').textContent()).toContain('<script>window.__xss = 1</script>');
    expect(await page.locator('#readme-body a').count()).toBe(0);
    await page.goto(`${registry.url}/?q=markup`);
    expect(await page.locator('#results .description').textContent()).toContain('<img src=x');
    expect(await page.locator('#results img').count()).toBe(0);
    expect(await page.evaluate<unknown>('window.__xss')).toBeUndefined();
    expect(dialogs).toEqual([]);
    await shot(page, 'hostile-markup-inert');
  });
});

describe('registry web UI over HTTP', () => {
  it('sends pages with a policy that allows nothing but this registry, and leaves the API as it was', async () => {
    const page = await fetch(`${registry.url}/ui/packages/stackanetes/keystone`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const api = await fetch(`${registry.url}/api/v1/packages/stackanetes/keystone/channels`);
    expect(api.headers.get('content-type')).toBe('application/json');
    const unknown = await fetch(`${registry.url}/no/such/route`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not-found');
  });

  it('answers a missing package and a bad name with an HTML page and the API status', async () => {
    const missing = await fetch(`${registry.url}/ui/packages/stackanetes/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('package stackanetes/nothing-here does not exist');
    const bad = await fetch(`${registry.url}/ui/packages/stackanetes/%3Cscript%3E`);
    expect(bad.status).toBe(422);
    const body = await bad.text();
    expect(body).toContain('&lt;script&gt;');
    expect(body).not.toContain('<script>');
  });

  it('says why a release does not render instead of failing the page', async () => {
    await ok(
      cli([
        'push',
        variant(join(repoRoot, 'packages', 'memcached'), 'orphan', (t) =>
          t
            .replace(/^ {2}name: .*$/m, '  name: orphans/memcached')
            .replace(
              /^resources:/m,
              'dependencies:\n  - name: stackanetes/absent\n    version: ^1.0.0\n  - name: $self\nresources:',
            ),
        ),
      ]),
    );
    const r = await fetch(`${registry.url}/ui/packages/orphans/memcached`);
    expect(r.status).toBe(200);
    expect((await r.text()).replace(/\s+/g, ' ')).toContain(
      'This release does not render with its defaults: stackanetes/absent: no release matches ^1.0.0 on this registry',
    );
  });

  it('explains that a registry without anonymous reads has no browsable pages', async () => {
    const closed = await startRegistry(['--anonymous-reads', 'false']);
    try {
      const r = await fetch(`${closed.url}/`);
      expect(r.status).toBe(403);
      expect(await r.text()).toContain('requires a token for every read');
      expect((await fetch(`${closed.url}/ui/login`)).status).toBe(200);
    } finally {
      await closed.stop();
    }
  });
});
