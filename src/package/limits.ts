/**
 * The one set of package limits: the client checks them when it loads, packs and pulls a
 * package, and the registry server checks the same numbers at push, so the registry never
 * accepts a package no client can pull.
 */

/** Bounds for one package, against runaway directories, zip bombs and unwritable names. */
export const PACKAGE_LIMITS = {
  /** Regular files in a package. */
  maxFiles: 2000,
  /** tar members (files and directories): a package has at most as many directories as files. */
  maxMembers: 4000,
  /** Total file content. */
  maxBytes: 32 * 1024 * 1024,
  /** The unpacked tar (content plus headers and padding). */
  maxTarBytes: 36 * 1024 * 1024,
  /** One member's whole path, in bytes (Linux PATH_MAX is 4096; this leaves room for the cache dir). */
  maxPathBytes: 1024,
  /** One path component, in bytes (NAME_MAX on every common filesystem). */
  maxNameBytes: 255,
  /** Nesting of the free-form `metadata` a push may carry. */
  maxMetadataDepth: 32,
  /** Size of that metadata as JSON. */
  maxMetadataBytes: 64 * 1024,
} as const;

/** Why a member path cannot be written by a client, or undefined when it can. */
export function memberPathProblem(path: string): string | undefined {
  if (Buffer.byteLength(path) > PACKAGE_LIMITS.maxPathBytes)
    return `its path is ${Buffer.byteLength(path)} bytes, more than ${PACKAGE_LIMITS.maxPathBytes}`;
  const long = path.split('/').find((part) => Buffer.byteLength(part) > PACKAGE_LIMITS.maxNameBytes);
  if (long !== undefined)
    return `a name in its path is ${Buffer.byteLength(long)} bytes, more than ${PACKAGE_LIMITS.maxNameBytes}`;
  return undefined;
}

/**
 * Why push metadata is refused, or undefined. Walked without recursion, since the point is to
 * refuse nesting deep enough to overflow the stack of whatever recursive code would read it.
 */
export function metadataProblem(value: unknown): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (current === null || typeof current !== 'object') continue;
    if (depth >= PACKAGE_LIMITS.maxMetadataDepth)
      return `it is nested more than ${PACKAGE_LIMITS.maxMetadataDepth} levels deep`;
    for (const child of Object.values(current)) {
      if (++nodes > PACKAGE_LIMITS.maxMetadataBytes)
        return `it has more than ${PACKAGE_LIMITS.maxMetadataBytes} values`;
      stack.push({ value: child, depth: depth + 1 });
    }
  }
  const size = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (size > PACKAGE_LIMITS.maxMetadataBytes)
    return `it is ${size} bytes as JSON, more than ${PACKAGE_LIMITS.maxMetadataBytes}`;
  return undefined;
}

const SKIP = new Set(['node_modules', '.git']);

/** Whether a directory entry stays out of a package (dot files, node_modules, .git). */
export function skippedInPackage(name: string): boolean {
  return name.startsWith('.') || SKIP.has(name);
}
