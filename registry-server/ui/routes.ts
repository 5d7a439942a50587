/**
 * The registry's web UI: `/` lists and searches packages, `/ui/packages/NS/NAME` shows one
 * (`?release=` picks a release, else the default), `/ui/login` signs in, `/ui/assets/…` serves the
 * stylesheet and script. Pages are rendered here on the server; every write goes through the
 * existing JSON API with the user's token, so the UI has no rights of its own.
 */
import { HttpError, notFound } from '../errors.js';
import type { RequestContext } from '../http.js';
import type { RouteDeps } from '../routes/deps.js';
import { resolveRelease } from '../releases.js';
import type { ReleaseRecord } from '../storage/types.js';
import { checkNamePart, OWN_MEDIA_TYPE } from '../validate.js';
import { ASSET_VERSION, CSS, SCRIPT } from './assets.js';
import type { Html } from './html.js';
import { errorPage, indexPage, loginPage, packagePage, type PackageCard } from './pages.js';
import { PreviewCache, StoredPackages } from './preview.js';
import { runPreview } from './preview-run.js';

type Handler = (ctx: RequestContext) => Promise<void>;

/** Packages one index page lists (each reads its default release's description once). */
const INDEX_LIMIT = 200;

/** Nothing but this registry: no inline code, no other hosts, no framing. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function send(ctx: RequestContext, status: number, body: string, headers: Record<string, string>): void {
  const bytes = Buffer.from(body);
  ctx.res.writeHead(status, { 'content-length': String(bytes.length), ...PAGE_HEADERS, ...headers });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : bytes);
}

function sendPage(ctx: RequestContext, status: number, page: Html): void {
  send(ctx, status, page.text, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
}

/** What the package page reads from. */
interface Views {
  storage: RouteDeps['storage'];
  stored: StoredPackages;
  previews: PreviewCache;
}

/** One package's page: the release `?release=` names (else the default), with its preview. */
async function packageView(ctx: RequestContext, ns: string, name: string, views: Views): Promise<void> {
  const { storage, stored, previews } = views;
  const manifests = await storage.listManifests(ns, name);
  const index = await storage.getIndex(ns, name);
  if (manifests.length === 0 || !index)
    throw notFound('package-not-found', `package ${ns}/${name} does not exist`);
  const wanted = ctx.query.get('release') ?? 'default';
  let release: string | undefined;
  try {
    release = resolveRelease(index.order, wanted);
  } catch {
    release = undefined;
  }
  const candidates = manifests.filter((m) => m.release === release);
  const selected = candidates.find((m) => m.mediaType === OWN_MEDIA_TYPE) ?? candidates[0];
  if (!selected)
    throw notFound('package-release-not-found', `package ${ns}/${name} has no release ${wanted}`);
  let pkg;
  let preview;
  if (selected.mediaType === OWN_MEDIA_TYPE) {
    try {
      pkg = await stored.load(selected);
    } catch (err) {
      throw new HttpError(
        422,
        'invalid-package',
        `${ns}/${name}@${selected.release} cannot be read: ${(err as Error).message}`,
      );
    }
    preview = await previews.get(selected.gzipDigest, () => runPreview(stored, selected));
  }
  sendPage(
    ctx,
    200,
    packagePage({
      namespace: ns,
      name,
      manifests,
      channels: await storage.listChannels(ns, name),
      selected: selected as ReleaseRecord,
      pkg,
      preview,
    }),
  );
}

/** The stylesheet or the script; any version of their URL answers, only the current one is cached. */
async function asset(ctx: RequestContext, version: string, file: string): Promise<void> {
  const body = file === 'app.css' ? CSS : file === 'app.js' ? SCRIPT : undefined;
  if (body === undefined) throw notFound('not-found', `no asset ${file}`);
  // An old page may ask for a previous version's URL: it gets the current file, uncached.
  const immutable = version === ASSET_VERSION;
  send(ctx, 200, body, {
    'content-type': file === 'app.css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
}

/** Returns the UI handler for a request it serves, or undefined to leave it to the API. */
export function createUiRouter(deps: RouteDeps): (ctx: RequestContext) => Handler | undefined {
  const { storage, config } = deps;
  const stored = new StoredPackages(storage, deps.blobs);
  const previews = new PreviewCache();
  const views: Views = { storage, stored, previews };
  const descriptions = new Map<string, string | undefined>();

  /** The description in the default release's manifest, remembered by blob digest. */
  async function description(
    ns: string,
    name: string,
    release: string | undefined,
  ): Promise<string | undefined> {
    if (!release) return undefined;
    const record = (await storage.getRelease(ns, name, release)).find((r) => r.mediaType === OWN_MEDIA_TYPE);
    if (!record) return undefined;
    if (descriptions.has(record.gzipDigest)) return descriptions.get(record.gzipDigest);
    let text: string | undefined;
    try {
      text = (await stored.load(record)).manifest.package.description;
    } catch {
      text = undefined;
    }
    if (descriptions.size > 1000) descriptions.clear();
    descriptions.set(record.gzipDigest, text);
    return text;
  }

  const index: Handler = async (ctx) => {
    const query = (ctx.query.get('q') ?? '').slice(0, 256);
    const list = await storage.listPackages({ query: query || undefined });
    const cards: PackageCard[] = await Promise.all(
      list.slice(0, INDEX_LIMIT).map(async (summary) => ({
        summary,
        description: await description(summary.namespace, summary.name, summary.defaultRelease),
      })),
    );
    sendPage(ctx, 200, indexPage(cards, list.length, query));
  };

  const login: Handler = async (ctx) => sendPage(ctx, 200, loginPage());

  /** Answers UI errors as pages; reads need anonymous access because a browser sends no token. */
  const page =
    (route: string, handler: Handler, read = true): Handler =>
    async (ctx) => {
      ctx.route = route;
      try {
        if (ctx.method !== 'GET' && ctx.method !== 'HEAD')
          throw new HttpError(405, 'method-not-allowed', `${ctx.method} is not allowed on ${route}`);
        if (read && !config.anonymousReads)
          throw new HttpError(
            403,
            'forbidden',
            'this registry requires a token for every read (--anonymous-reads false), which a browser cannot send: use the CLI',
          );
        await handler(ctx);
      } catch (err) {
        if (!(err instanceof HttpError) || ctx.res.headersSent) throw err;
        sendPage(ctx, err.status, errorPage(err.status, err.message));
      }
    };

  return (ctx) => {
    const s = ctx.segments;
    if (s.length === 0) return page('/', index);
    // Browsers ask for it on every page; an empty answer keeps their consoles and our logs clean.
    if (s.length === 1 && s[0] === 'favicon.ico')
      return page('/favicon.ico', async (c) => send(c, 204, '', {}), false);
    if (s[0] !== 'ui') return undefined;
    if (s.length === 2 && s[1] === 'login') return page('/ui/login', login, false);
    if (s.length === 4 && s[1] === 'assets')
      return page('/ui/assets/:version/:file', (c) => asset(c, s[2] as string, s[3] as string), false);
    if (s.length === 4 && s[1] === 'packages') {
      return page('/ui/packages/:ns/:pkg', async (c) => {
        const ns = checkNamePart(s[2] as string, 'namespace');
        const name = checkNamePart(s[3] as string, 'package');
        await packageView(c, ns, name, views);
      });
    }
    return page('/ui', async () => {
      throw notFound('not-found', `no page ${ctx.req.url?.split('?')[0]}`);
    });
  };
}
