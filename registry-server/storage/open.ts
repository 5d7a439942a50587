/**
 * Picks the back end from the `--storage` value: a postgres:// (or postgresql://) URL selects
 * PostgreSQL, anything else is a directory for the filesystem back end. The PostgreSQL driver is
 * loaded only when used.
 */
import { resolve } from 'node:path';
import { FsStorage } from './fs.js';
import type { Storage } from './types.js';

/** Options shared by both back ends. */
export interface OpenOptions {
  lockStaleMs: number;
  pgPoolSize: number;
  onLockCompromised?: (key: string, err: Error) => void;
}

/** True when `storage` names a PostgreSQL database. */
export function isPostgresUrl(storage: string): boolean {
  return /^postgres(ql)?:\/\//i.test(storage);
}

/** Opens and initialises storage (creates directories or applies migrations). */
export async function openStorage(storage: string, options: OpenOptions): Promise<Storage> {
  let store: Storage;
  if (isPostgresUrl(storage)) {
    const { PgStorage } = await import('./postgres.js');
    store = new PgStorage({ url: storage, poolSize: options.pgPoolSize });
  } else {
    store = new FsStorage({
      root: resolve(storage),
      lockStaleMs: options.lockStaleMs,
      onLockCompromised: options.onLockCompromised,
    });
  }
  try {
    await store.init();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
