/**
 * The shape of the code, checked by `npm run lint` (lint:deps). Layers only point down:
 *
 *   cli → actions → release → apply → render → resolve | registry | package | config → kube → shared leaves
 *
 * where the shared leaves are model/, util/, progress.ts, version.ts, errors.ts and text.ts. Product
 * code (src/, registry-server/, bin/) never reaches into test/, simulator/ or bench/; the CLI does
 * not depend on the registry server; the simulator, a stand-in for the API server, shares no code
 * with the client it checks; and no import cycle exists, type-only imports included. This file is
 * CommonJS because dependency-cruiser loads it with require.
 */
const LAYERS = [
  ['leaf', '^src/(model/|util/|(progress|version|errors|text)\\.ts$)'],
  ['kube', '^src/kube/'],
  ['source', '^src/(resolve|registry|package|config)/'],
  ['render', '^src/render/'],
  ['apply', '^src/apply/'],
  ['release', '^src/release/'],
  ['actions', '^src/actions/'],
  ['cli', '^src/cli/'],
];

/** One rule per layer: nothing in it imports any layer listed above it. */
const layerRules = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `layer-${name}`,
  severity: 'error',
  comment: `${name} sits below ${LAYERS.slice(i + 1)
    .map(([above]) => above)
    .join(', ')}: move the shared thing down instead of importing upwards`,
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, above]) => above) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'product-imports-test-code',
      severity: 'error',
      comment: 'src/, registry-server/ and bin/ ship; test/, simulator/ and bench/ do not',
      from: { path: '^(src|registry-server|bin)/' },
      to: { path: '^(test|simulator|bench)/' },
    },
    {
      name: 'cli-imports-registry-server',
      severity: 'error',
      comment:
        'the CLI talks to a registry over HTTP; code both need lives in src/ and the server imports it',
      from: { path: '^src/' },
      to: { path: '^registry-server/' },
    },
    {
      name: 'simulator-imports-product',
      severity: 'error',
      comment:
        'the simulator stands in for the API server: sharing code with the client would make it agree with its bugs',
      from: { path: '^simulator/' },
      to: { path: '^(src|registry-server|bin|test|bench)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'an import cycle (type-only imports count): break it by moving the shared part down',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|coverage)/' },
    // type-only imports are edges too, so a cycle through `import type` is reported
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
