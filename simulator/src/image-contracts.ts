/**
 * Image start contracts: what an image needs from its pod to start, declared by the tests of the
 * packages that use it. The kubelet stand-in checks every container against the contracts whose
 * image pattern matches, and a container whose contract is unmet crash-loops as the real image
 * would, with the missing piece named in its termination message and in the BackOff event.
 */

/** A file as a container would see it. */
export type FileLookup =
  { found: true; content: string | undefined; from: string } | { found: false; why: string };

/** What a contract can ask about one container of one pod. */
export interface ContainerView {
  image: string;
  container: string;
  pod: string;
  namespace: string;
  /** The container's `command` and `args` when set (they replace the image's ENTRYPOINT and CMD). */
  command: string[] | undefined;
  args: string[] | undefined;
  /** Resolves an absolute path through the container's mounts (volumes, ConfigMaps, Secrets). */
  file(path: string): FileLookup;
}

export interface ImageContract {
  /** Shown in messages, e.g. `kolla`. */
  name: string;
  matches(image: string): boolean;
  /** Undefined when the container can start, else what is missing (one line). */
  check(view: ContainerView): string | undefined;
}

/** The contracts in force on one simulator (mutable: tests add theirs). */
export class ImageContracts {
  private readonly contracts: ImageContract[] = [];

  add(contract: ImageContract): void {
    if (!this.contracts.some((c) => c.name === contract.name)) this.contracts.push(contract);
  }

  remove(name: string): void {
    const i = this.contracts.findIndex((c) => c.name === name);
    if (i >= 0) this.contracts.splice(i, 1);
  }

  list(): readonly ImageContract[] {
    return this.contracts;
  }

  /** The first unmet contract's message, prefixed with its name. */
  check(view: ContainerView): string | undefined {
    for (const c of this.contracts) {
      if (!c.matches(view.image)) continue;
      const missing = c.check(view);
      if (missing) return `${c.name}: ${missing}`;
    }
    return undefined;
  }
}

const kollaDir = '/var/lib/kolla/config_files';

/**
 * Kolla 2025.1 images start through set_configs.py, which reads only
 * /var/lib/kolla/config_files/config.json (KOLLA_CONFIG_FILE is gone since Zed) and copies each
 * `config_files` source to its dest, failing on a missing source unless it is `optional`.
 */
export const kollaContract: ImageContract = {
  name: 'kolla',
  matches: (image) => image.includes('openstack.kolla/') || image.includes('/kolla/'),
  check(view) {
    // kolla_start (the image's CMD) is what reads config.json; a container that runs something
    // else in its place (memcached started directly, a bootstrap script) does not need one.
    const argv = [...(view.command ?? []), ...(view.args ?? [])];
    if (
      (view.command !== undefined || view.args !== undefined) &&
      !argv.some((a) => a.includes('kolla_start'))
    )
      return undefined;
    const configPath = `${kollaDir}/config.json`;
    const config = view.file(configPath);
    if (!config.found) return `${configPath} is missing (${config.why})`;
    if (config.content === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(config.content);
    } catch (err) {
      return `${configPath} (from ${config.from}) is not JSON: ${(err as Error).message}`;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return `${configPath} (from ${config.from}) is not a JSON object`;
    const doc = parsed as { command?: unknown; config_files?: unknown };
    if (typeof doc.command !== 'string' || doc.command.trim() === '')
      return `${configPath} (from ${config.from}) has no "command"`;
    const files = Array.isArray(doc.config_files) ? doc.config_files : [];
    for (const [i, f] of files.entries()) {
      if (typeof f !== 'object' || f === null) return `${configPath} config_files[${i}] is not an object`;
      const entry = f as { source?: unknown; dest?: unknown; optional?: unknown };
      if (typeof entry.source !== 'string' || typeof entry.dest !== 'string')
        return `${configPath} config_files[${i}] needs "source" and "dest"`;
      if (entry.optional === true) continue;
      // A glob source copies whatever matches; only the directory it lists must be there.
      const source = entry.source.includes('*')
        ? entry.source.slice(0, entry.source.lastIndexOf('/'))
        : entry.source;
      const found = view.file(source);
      if (!found.found) return `config.json lists source ${entry.source}, which is missing (${found.why})`;
    }
    return undefined;
  },
};
