/**
 * The scope flags of deploy (`--allow-cluster-scope`, `--allow-namespace NS`) and how diff shows
 * what a release writes outside its namespace.
 */
import type { Command } from 'commander';
import type { Writer } from './output.js';
import { checkNamespaceFlag } from './namespace.js';

export interface ScopeFlagValues {
  allowClusterScope?: boolean;
  allowNamespace?: string[];
}

/** Adds deploy's scope flags. */
export function addScopeFlags(command: Command): Command {
  return command
    .option('--allow-cluster-scope', 'let the release write the cluster-scoped objects its packages declare')
    .option(
      '--allow-namespace <ns>',
      'let the release write into this other namespace, as its packages declare (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
      [],
    );
}

/** The deploy options the flags stand for; each namespace is checked like --namespace. */
export function scopeOptions(flags: ScopeFlagValues): {
  allowClusterScope?: boolean;
  allowNamespaces?: string[];
} {
  const namespaces = (flags.allowNamespace ?? []).map(checkNamespaceFlag);
  return {
    ...(flags.allowClusterScope ? { allowClusterScope: true } : {}),
    ...(namespaces.length > 0 ? { allowNamespaces: namespaces } : {}),
  };
}

/** What diff reports of the scope (see DiffResult.scope). */
export interface ScopeSummary {
  namespace: string;
  cluster: string[];
  namespaces: Record<string, string[]>;
  /** Flags deploy still needs. */
  needs: string[];
}

/** The lines diff prints about the scope; nothing when the release stays in its namespace. */
export function printScope(writer: Writer, scope: ScopeSummary | undefined): void {
  if (!scope) return;
  const outside = Object.entries(scope.namespaces);
  if (scope.cluster.length === 0 && outside.length === 0) return;
  writer.out(`Scope: writes outside namespace ${scope.namespace}:`);
  if (scope.cluster.length > 0) writer.out(`  cluster-scoped: ${scope.cluster.join(', ')}`);
  for (const [ns, objects] of outside) writer.out(`  namespace ${ns}: ${objects.join(', ')}`);
  writer.out(
    scope.needs.length > 0
      ? `  deploy needs ${scope.needs.join(' ')} (not yet allowed for this release)`
      : '  already allowed for this release',
  );
}
