/** Accounts and tokens: sign-up, log-in, log-out. */
import {
  authenticate,
  DUMMY_HASH,
  hashPassword,
  issueToken,
  tokenFromHeader,
  verifyPassword,
} from '../auth.js';
import { badRequest, conflict, forbidden, StorageConflict, unauthorized } from '../errors.js';
import { parseJsonObject, readBody, sendJson, type RequestContext } from '../http.js';
import { checkPassword, checkUserName } from '../validate.js';
import { SMALL_BODY } from './access.js';
import type { ApiRoutes, RouteDeps } from './deps.js';

function credentials(body: Record<string, unknown>): { username: string; password: string } {
  const user = body.user as { username?: unknown; password?: unknown } | undefined;
  if (!user || typeof user !== 'object')
    throw badRequest('body must be {"user": {"username": "…", "password": "…"}}');
  if (typeof user.username !== 'string' || typeof user.password !== 'string')
    throw badRequest('user.username and user.password must be strings');
  return { username: user.username, password: user.password };
}

export function registerUserRoutes(routes: ApiRoutes, deps: RouteDeps): void {
  const { storage, config } = deps;
  const readCredentials = async (ctx: RequestContext) =>
    credentials(parseJsonObject(await readBody(ctx.req, SMALL_BODY, config.bodyTimeoutMs)));

  routes.on('/api/v1/users', {
    POST: async (ctx) => {
      if (!config.allowSignup)
        throw forbidden('sign-up is disabled on this registry: ask an administrator for an account');
      const { username, password } = await readCredentials(ctx);
      checkUserName(username);
      checkPassword(password);
      try {
        await storage.addUser({
          username,
          passwordHash: await hashPassword(password),
          createdAt: new Date().toISOString(),
        });
      } catch (err) {
        if (err instanceof StorageConflict && err.kind === 'exists')
          throw conflict('resource-in-use', `user ${username} already exists`);
        throw err;
      }
      ctx.user = username;
      sendJson(ctx, 201, {
        token: await issueToken(storage, username, config.tokenTtlMs),
        user: username,
        expires_in: Math.floor(config.tokenTtlMs / 1000),
      });
    },
  });

  routes.on('/api/v1/users/login', {
    POST: async (ctx) => {
      const { username, password } = await readCredentials(ctx);
      const user = await storage.getUser(username);
      // Unknown users cost one scrypt too, so timing does not reveal which names exist.
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) throw unauthorized('wrong user name or password');
      const token = await issueToken(storage, username, config.tokenTtlMs);
      ctx.user = username;
      sendJson(ctx, 200, { token, user: username, expires_in: Math.floor(config.tokenTtlMs / 1000) });
    },
    DELETE: async (ctx) => {
      const token = tokenFromHeader(ctx.req.headers.authorization);
      if (!token) throw unauthorized('send the token to revoke in the Authorization header');
      const { hash, username } = await authenticate(storage, token);
      ctx.user = username;
      await storage.revokeToken(hash);
      sendJson(ctx, 200, { status: 'revoked' });
    },
  });
}
