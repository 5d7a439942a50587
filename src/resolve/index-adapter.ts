/** What the source asks of one registry origin, whichever protocol it speaks. */
import type { LoadedPackage } from '../package/types.js';
import type { RegistrySession } from '../registry/session.js';
import type { LockPins } from './lock-pins.js';
import type { IndexedChannel, IndexedPackage, Need } from './resolve.js';

export interface LoadedRelease {
  pkg: LoadedPackage;
  /** The appr digest of what was loaded, when the adapter learnt it from the content. */
  digest?: string;
  /** `oci://host/repo@sha256:…` for an OCI package. */
  oci?: string;
}

export interface IndexAdapter {
  /** Every release and channel of a package. */
  listing(need: Extract<Need, { kind: 'package' }>): Promise<IndexedPackage>;
  /** Loads one release; `digest` is what the index (or the lock) says it must be. */
  load(name: string, version: string, digest: string | undefined): Promise<LoadedRelease>;
  /** A package's channels, for `--in-channel`. */
  channels(name: string): Promise<Record<string, IndexedChannel>>;
}

/** What every adapter is built from. */
export interface AdapterDeps {
  session: () => Promise<RegistrySession>;
  lock: LockPins;
}
