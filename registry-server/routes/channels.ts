/** Channels: named lists of a package's releases, one of them current. */
import { notFound, StorageConflict } from '../errors.js';
import { sendJson } from '../http.js';
import type { ChannelRecord } from '../storage/types.js';
import { checkRelease } from '../validate.js';
import type { Access } from './access.js';
import { PACKAGE_PATH, param, type ApiRoutes, type Params, type RouteDeps } from './deps.js';

const channelJson = (c: ChannelRecord) => ({ name: c.name, current: c.current, releases: c.releases });

export function registerChannelRoutes(routes: ApiRoutes, deps: RouteDeps, access: Access): void {
  const { storage } = deps;
  const of = (p: Params) => [param(p, 'ns'), param(p, 'pkg'), param(p, 'channel')] as const;
  const noChannel = (ns: string, name: string, channel: string) =>
    notFound('channel-not-found', `package ${ns}/${name} has no channel ${channel}`, { channel });

  routes.on(`${PACKAGE_PATH}/channels`, {
    GET: async (ctx, p) => {
      await access.allowRead(ctx);
      const ns = param(p, 'ns');
      const name = param(p, 'pkg');
      const channels = await storage.listChannels(ns, name);
      if (channels.length === 0 && !(await storage.getIndex(ns, name)))
        throw notFound('package-not-found', `package ${ns}/${name} does not exist`);
      sendJson(ctx, 200, channels.map(channelJson));
    },
  });

  routes.on(`${PACKAGE_PATH}/channels/:channel`, {
    GET: async (ctx, p) => {
      await access.allowRead(ctx);
      const [ns, name, channel] = of(p);
      const c = (await storage.listChannels(ns, name)).find((x) => x.name === channel);
      if (!c) throw noChannel(ns, name, channel);
      sendJson(ctx, 200, channelJson(c));
    },
    DELETE: async (ctx, p) => {
      const [ns, name, channel] = of(p);
      await access.requireRole(ctx, ns, ['owner', 'member']);
      if (!(await storage.deleteChannel(ns, name, channel))) throw noChannel(ns, name, channel);
      sendJson(ctx, 200, { status: 'deleted', channel });
    },
  });

  routes.on(`${PACKAGE_PATH}/channels/:channel/:release`, {
    POST: async (ctx, p) => {
      const [ns, name, channel] = of(p);
      const release = param(p, 'release');
      await access.requireRole(ctx, ns, ['owner', 'member']);
      checkRelease(release);
      try {
        sendJson(ctx, 200, channelJson(await storage.addToChannel(ns, name, channel, release)));
      } catch (err) {
        if (err instanceof StorageConflict && err.kind === 'missing-release') {
          throw notFound('package-release-not-found', `package ${ns}/${name} has no release ${release}`, {
            release,
          });
        }
        throw err;
      }
    },
    DELETE: async (ctx, p) => {
      const [ns, name, channel] = of(p);
      const release = param(p, 'release');
      await access.requireRole(ctx, ns, ['owner', 'member']);
      checkRelease(release);
      let result;
      try {
        result = await storage.removeFromChannel(ns, name, channel, release);
      } catch (err) {
        if (err instanceof StorageConflict && err.kind === 'missing-release') {
          throw notFound(
            'package-release-not-found',
            `channel ${channel} of ${ns}/${name} does not contain ${release}`,
            { channel, release },
          );
        }
        throw err;
      }
      if (result === 'absent') throw noChannel(ns, name, channel);
      sendJson(
        ctx,
        200,
        result ? channelJson(result) : { name: channel, current: null, releases: [], deleted: true },
      );
    },
  });
}
