/**
 * Deterministic package tarballs. The digest of a release is the sha256 of its tar, so the same
 * files must always give the same bytes: entries sorted by path, mode 0644, owner 0:0, mtime 0,
 * and a gzip header with mtime 0 and a fixed OS byte.
 */
import { sha256 } from '../util/hash.js';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { writeTar } from './tar.js';
import type { LoadedPackage } from './types.js';

const gzipAsync = promisify(gzip);

/** What a built tarball is known by: `digest` for appr, `gzipDigest` for OCI blobs. */
export interface BuiltTarball {
  tarGz: Buffer;
  /** `sha256:` + hex of the uncompressed tar (the appr digest). */
  digest: string;
  /** `sha256:` + hex of the .tar.gz bytes (the OCI layer digest). */
  gzipDigest: string;
}

/** The canonical (uncompressed) tar of a package's files. */
export function packageTar(pkg: LoadedPackage): Buffer {
  const paths = [...pkg.files.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return writeTar(paths.map((path) => ({ path, data: Buffer.from(pkg.files.get(path) ?? '', 'utf8') })));
}

/**
 * The appr digest of a package: what a registry would record for it once pushed. Cheap (no
 * gzip), so renders of local directories can record content digests in release records too.
 */
export function packageDigest(pkg: LoadedPackage): string {
  if (pkg.digest) return pkg.digest;
  // A library is recorded by every package that uses it: hash its files once per load.
  let digest = digests.get(pkg);
  if (!digest) {
    digest = sha256(packageTar(pkg));
    digests.set(pkg, digest);
  }
  return digest;
}

const digests = new WeakMap<LoadedPackage, string>();

/** Builds the canonical .tar.gz of a package's files. */
export async function buildPackageTarball(pkg: LoadedPackage): Promise<BuiltTarball> {
  const tar = packageTar(pkg);
  const tarGz = await gzipAsync(tar, { level: 9 });
  // Byte 9 is the OS that wrote the stream; zlib fills in the build platform, which would make
  // digests differ between Linux and macOS builds of the same content.
  tarGz[9] = 3;
  return { tarGz, digest: sha256(tar), gzipDigest: sha256(tarGz) };
}
