/**
 * The API matcher: literal segments beside parameters (`channels`, `blobs/sha256`) must still let
 * a release of that name through, and parameters are validated before a 404 or 405 is chosen.
 */
import { HttpError } from '../../registry-server/errors.js';
import type { RequestContext } from '../../registry-server/http.js';
import { createApiRouter } from '../../registry-server/routes/router.js';

function router() {
  const api = createApiRouter();
  const reached =
    (name: string) =>
    async (ctx: RequestContext, params: Readonly<Record<string, string>>): Promise<void> => {
      throw new Error(`${name} ${JSON.stringify(params)} as ${ctx.route}`);
    };
  const base = '/api/v1/packages/:ns/:pkg';
  api.on(`${base}/channels/:channel`, { GET: reached('channel') });
  api.on(`${base}/blobs/sha256/:digest`, { GET: reached('blob') });
  api.on(`${base}/:release/:media_type`, { GET: reached('manifest') });
  api.on(`${base}/:release/:media_type/pull`, { GET: reached('pull') });
  api.validateBelow(base);
  return api;
}

async function answer(method: string, path: string): Promise<string> {
  const ctx = {
    req: { url: path, headers: {} },
    method,
    segments: path
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent),
    route: 'unmatched',
  } as unknown as RequestContext;
  try {
    await router().lookup(ctx)(ctx);
    return 'answered';
  } catch (err) {
    return err instanceof HttpError ? `${err.status} ${err.message}` : (err as Error).message;
  }
}

describe('registry API router', () => {
  it('falls back from a literal segment to the release parameter when the literal path does not match', async () => {
    expect(await answer('GET', '/api/v1/packages/ns1/pk1/blobs/sha256')).toBe(
      'manifest {"ns":"ns1","pkg":"pk1","release":"blobs","media_type":"sha256"} as /api/v1/packages/:ns/:pkg/:release/:media_type',
    );
    expect(await answer('GET', '/api/v1/packages/ns1/pk1/blobs/other/pull')).toMatch(
      /^pull .*"release":"blobs"/,
    );
    expect(await answer('GET', '/api/v1/packages/ns1/pk1/blobs/sha256/abc')).toMatch(
      /^blob .*"digest":"abc"/,
    );
  });

  it('keeps an encoded slash inside one parameter', async () => {
    expect(await answer('GET', '/api/v1/packages/ns1/pk1/blobs/sha256/a%2Fb')).toMatch(/"digest":"a\/b"/);
  });

  it('validates parameters before answering 405 or 404', async () => {
    expect(await answer('PATCH', '/api/v1/packages/BAD!/pk1/1.0.0/helm')).toMatch(
      /^422 invalid namespace name "BAD!"/,
    );
    expect(await answer('GET', '/api/v1/packages/BAD!/pk1/a/b/c/d')).toMatch(
      /^422 invalid namespace name "BAD!"/,
    );
    expect(await answer('PATCH', '/api/v1/packages/ns1/pk1/1.0.0/helm')).toBe(
      '405 PATCH is not allowed on /api/v1/packages/:ns/:pkg/:release/:media_type',
    );
    expect(await answer('GET', '/api/v1/packages/ns1/pk1/a/b/c/d')).toBe(
      '404 no route for GET /api/v1/packages/ns1/pk1/a/b/c/d',
    );
  });
});
