/**
 * `stackanetes lint DIR`: renders a package with its defaults and again with every `when` branch
 * forced on, validates every object, and reports variables that nothing reads.
 */
import { InputError } from '../errors.js';
import { objectGraph } from '../apply/graph.js';
import { createLocalSource } from '../package/local-source.js';
import type { PackageSource } from '../package/source.js';
import { isLibrary, type LoadedPackage } from '../package/types.js';
import { engineFor, isPartialFile } from '../render/engine.js';
import { unreadParameters, unusedVariables, type UsageNode } from '../render/usage.js';
import { parseSet, readVariableFiles, setToValues } from '../render/precedence.js';
import { renderReferenceDetailed, type WalkedPackage } from '../render/pipeline.js';
import type { ActionContext } from './context.js';

export interface LintOptions {
  reference: string;
  variableFiles?: string[];
  sets?: string[];
  /** Default: the local source (dependencies from sibling directories). */
  source?: PackageSource;
}

/** A variable of a package, or a parameter the user gave, that no template, derived default or condition reads. */
export interface UnusedParameter {
  package: string;
  path: string;
  /** Set for a user parameter: `--variables FILE` or `--set TEXT` (package is then the root package). */
  source?: string;
}

export interface LintResult {
  package: string;
  version: string;
  /** Packages rendered with every branch on. */
  packages: string[];
  /** Objects rendered with defaults / with every branch on. */
  objects: { defaults: number; allBranches: number };
  warnings: string[];
  unused: UnusedParameter[];
  /** Set for a library package: the partials that were compiled (it renders no objects). */
  library?: { partials: string[] };
}

/**
 * A package's README is its variable reference: warn when it is missing or leaves out a top-level
 * variable (mentioned anywhere, e.g. as `keystone` or `keystone.replicas`).
 */
function readmeWarnings(walked: readonly WalkedPackage[]): string[] {
  const out: string[] = [];
  for (const { pkg } of walked) {
    const name = pkg.manifest.package.name;
    const readme = pkg.files.get('README.md');
    if (readme === undefined) {
      out.push(`${name}: no README.md (document the package and its variables there)`);
      continue;
    }
    for (const key of Object.keys(pkg.manifest.variables)) {
      const mentioned = new RegExp(
        `(^|[^A-Za-z0-9_-])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z0-9_-]|$)`,
        'm',
      );
      if (!mentioned.test(readme)) out.push(`${name}: README.md does not mention the variable ${key}`);
    }
  }
  return out;
}

function tree(loaded: readonly WalkedPackage[]): UsageNode[] {
  const nodes = new Map(
    loaded.map((w) => [
      w.pkg.manifest.package.name,
      { pkg: w.pkg, children: [] as UsageNode[], libraries: w.libraries ?? [] },
    ]),
  );
  for (const w of loaded)
    if (w.parent) nodes.get(w.parent)?.children.push(nodes.get(w.pkg.manifest.package.name) as UsageNode);
  return [...nodes.values()];
}

/**
 * A library renders nothing: lint compiles each of its partials (syntax, helpers, the partials
 * they call) and checks its README.
 */
function lintLibrary(pkg: LoadedPackage): LintResult {
  engineFor(pkg).checkPartials();
  const name = pkg.manifest.package.name;
  return {
    package: name,
    version: pkg.manifest.package.version,
    packages: [name],
    objects: { defaults: 0, allBranches: 0 },
    warnings: readmeWarnings([{ pkg }]),
    unused: [],
    library: { partials: [...pkg.files.keys()].filter(isPartialFile).sort() },
  };
}

/** Lints a package; rendering or validation problems throw, findings are returned. */
export async function lint(context: ActionContext, options: LintOptions): Promise<LintResult> {
  const { cwd } = context;
  const source = options.source ?? createLocalSource({ cwd });
  const root = await source.open(options.reference);
  if (isLibrary(root.manifest)) return lintLibrary(root);
  const common = {
    reference: options.reference,
    namespace: 'lint',
    cwd,
    env: context.env,
    source,
    ...(options.variableFiles ? { variableFiles: options.variableFiles } : {}),
    ...(options.sets ? { sets: options.sets } : {}),
    progress: context.progress,
  };
  const defaults = await renderReferenceDetailed(common);
  const all = await renderReferenceDetailed({ ...common, forceWhen: true });
  // Order annotations are checked as deploy checks them, with defaults and with every branch on
  // (a reference may only dangle when a branch is off). One line per problem.
  const problems = new Set<string>();
  for (const r of [defaults, all]) {
    const nodes = r.release.packages.flatMap((p) =>
      p.objects.map((o) => ({ package: p.name, object: o.object })),
    );
    for (const line of objectGraph(nodes, 'lint').problems) problems.add(line);
  }
  if (problems.size > 0) {
    throw new InputError([...problems].join('\nerror: '), {
      hint: 'make every stackanetes.io/depends-on entry name an object the release renders, without a cycle',
    });
  }
  const nodes = tree(all.loaded);
  const unused: UnusedParameter[] = nodes.flatMap((node) =>
    unusedVariables(node).map((path) => ({ package: node.pkg.manifest.package.name, path })),
  );
  const rootNode = nodes[0];
  if (rootNode) {
    const given = [
      ...(await readVariableFiles(options.variableFiles ?? [], cwd)).map((f) => ({
        source: `--variables ${f.file}`,
        values: f.values,
      })),
      ...(options.sets ?? []).map((text) => ({
        source: `--set ${text}`,
        values: setToValues(parseSet(text)),
      })),
    ];
    for (const { source, values } of given)
      for (const path of unreadParameters(rootNode, values))
        unused.push({ package: rootNode.pkg.manifest.package.name, path, source });
  }
  const count = (r: typeof defaults) => r.release.packages.reduce((n, p) => n + p.objects.length, 0);
  return {
    package: all.release.root.name,
    version: all.release.root.version,
    packages: all.release.packages.map((p) => p.name),
    objects: { defaults: count(defaults), allBranches: count(all) },
    warnings: [
      ...new Set([...defaults.release.warnings, ...all.release.warnings, ...readmeWarnings(all.loaded)]),
    ],
    unused,
  };
}
