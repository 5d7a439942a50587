/**
 * A release revision: what one deploy (or rollback) put into a namespace. It holds the rendered
 * objects themselves, so rollback needs neither the registry nor the packages, and prune knows
 * exactly what a revision owned.
 */
import type { KubeObject } from '../model/types.js';

export type RevisionStatus = 'pending' | 'deployed' | 'failed' | 'superseded';

export interface ReleasePackage {
  name: string;
  version: string;
  digest?: string;
  origin: string;
  /** Library releases the package was rendered with, so a revision pins its partials as well. */
  libraries?: { name: string; version: string; digest?: string }[];
}

/** One object of the manifest, with the package that rendered it. */
export interface ReleaseObject {
  package: string;
  version: string;
  object: KubeObject;
}

export interface ReleaseRecord {
  release: string;
  namespace: string;
  revision: number;
  status: RevisionStatus;
  /** What made it: `deploy stackanetes/stackanetes@1.0.0`, `rollback to 3`. */
  description: string;
  root: { name: string; version: string; digest?: string };
  /** In deploy order. */
  packages: ReleasePackage[];
  /** Each package's merged variables, by package name. Stored in a Secret because they hold passwords. */
  parameters: Record<string, Record<string, unknown>>;
  /** sha256 over the canonical manifest: equal digests mean an identical deploy. */
  manifestDigest: string;
  objects: ReleaseObject[];
  /**
   * Objects earlier revisions owned that this one no longer renders but kept because their kind
   * is protected: still owned, so a later `--prune-protected` or `remove` can delete them.
   */
  kept?: ReleaseObject[];
  /** Objects that existed without stackanetes ownership and this revision took over (--adopt). */
  adopted?: string[];
  /**
   * Jobs seen complete (object key -> applied digest): a Job removed since by its
   * ttlSecondsAfterFinished is not created and run again while its content stays the same.
   */
  completedJobs?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** Set when status is failed: the first line of what went wrong. */
  failure?: string;
  /** Set when status is failed: `interrupted`, `not-ready`, `conflict` or `failed`. */
  failureReason?: string;
}

/** A revision without its manifest, as `history` lists it. */
export type RevisionSummary = Omit<ReleaseRecord, 'objects' | 'parameters'>;
