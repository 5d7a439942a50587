/** Who may push to a namespace: members push, owners also manage members. */
import { conflict, notFound, StorageConflict, unprocessable } from '../errors.js';
import { parseJsonObject, readBody, sendJson } from '../http.js';
import { checkUserName } from '../validate.js';
import { SMALL_BODY, type Access } from './access.js';
import { param, type ApiRoutes, type RouteDeps } from './deps.js';

export function registerMemberRoutes(routes: ApiRoutes, deps: RouteDeps, access: Access): void {
  const { storage, config } = deps;

  routes.on('/api/v1/namespaces/:ns/members', {
    GET: async (ctx, p) => {
      const ns = param(p, 'ns');
      await access.requireRole(ctx, ns, ['owner', 'member']);
      sendJson(ctx, 200, (await storage.listMembers(ns)) ?? []);
    },
  });

  routes.on('/api/v1/namespaces/:ns/members/:user', {
    PUT: async (ctx, p) => {
      const ns = param(p, 'ns');
      const username = param(p, 'user');
      checkUserName(username);
      await access.requireRole(ctx, ns, ['owner']);
      const raw = await readBody(ctx.req, SMALL_BODY, config.bodyTimeoutMs);
      const body = raw.length > 0 ? parseJsonObject(raw) : {};
      const role = body.role ?? 'member';
      if (role !== 'member' && role !== 'owner')
        throw unprocessable(
          'invalid-parameters',
          `invalid role ${JSON.stringify(role)}: use member or owner`,
        );
      try {
        await storage.setMember(ns, username, role);
      } catch (err) {
        if (err instanceof StorageConflict && err.kind === 'missing-user')
          throw notFound('user-not-found', `user ${username} does not exist`);
        if (err instanceof StorageConflict && err.kind === 'in-use')
          throw conflict('resource-in-use', err.message);
        throw err;
      }
      sendJson(ctx, 200, { namespace: ns, username, role });
    },
    DELETE: async (ctx, p) => {
      const ns = param(p, 'ns');
      const username = param(p, 'user');
      checkUserName(username);
      const user = await access.currentUser(ctx);
      // Members may leave on their own; removing someone else takes an owner.
      await access.requireRole(ctx, ns, user === username ? ['owner', 'member'] : ['owner']);
      let removed;
      try {
        removed = await storage.removeMember(ns, username);
      } catch (err) {
        if (err instanceof StorageConflict && err.kind === 'in-use')
          throw conflict('resource-in-use', `${err.message}: make another member owner first`);
        throw err;
      }
      if (!removed) throw notFound('user-not-found', `${username} is not a member of ${ns}`);
      sendJson(ctx, 200, { status: 'removed', namespace: ns, username });
    },
  });
}
