/**
 * Which YAML library parses faster, in process: js-yaml (`loadAll`/`load`, YAML 1.2 core schema)
 * against `yaml` (`parseAllDocuments(...).toJS()`/`parse`), on the whole rendered OpenStack stack
 * (the package goldens, one multi-document file per package) and on every package manifest and
 * parameter file. Prints medians and the ratio yaml/js-yaml. Run: `node dist/bench/yaml.js`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_SCHEMA, load, loadAll } from 'js-yaml';
import { parse, parseAllDocuments } from 'yaml';
import { median } from './stats.js';

const ROUNDS = 15;

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'packages'))) dir = dirname(dir);
  return dir;
}

function time(texts: string[], parseOne: (text: string) => unknown): number {
  const runs: number[] = [];
  for (let i = 0; i < ROUNDS + 1; i++) {
    const start = process.hrtime.bigint();
    for (const text of texts) parseOne(text);
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(runs.slice(1)); // the first round warms the JIT
}

function compare(
  what: string,
  texts: string[],
  jsYaml: (t: string) => unknown,
  yaml: (t: string) => unknown,
) {
  const kib = texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1024;
  // Alternate the order so neither library always runs on a cooler machine.
  const a1 = time(texts, jsYaml);
  const b1 = time(texts, yaml);
  const b2 = time(texts, yaml);
  const a2 = time(texts, jsYaml);
  const a = (a1 + a2) / 2;
  const b = (b1 + b2) / 2;
  console.log(
    `${what} (${texts.length} files, ${kib.toFixed(0)} KiB): js-yaml ${a.toFixed(1)} ms, yaml ${b.toFixed(1)} ms, yaml/js-yaml ${(b / a).toFixed(2)}`,
  );
}

const root = findRoot();
const golden = join(root, 'test', 'golden');
const rendered = readdirSync(golden)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(join(golden, f), 'utf8'));
const packageFiles: string[] = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  for (const f of ['manifest.yaml', 'parameters.yaml', 'values.yaml']) {
    const file = join(root, 'packages', pkg, f);
    if (existsSync(file)) packageFiles.push(readFileSync(file, 'utf8'));
  }
}

compare(
  'rendered stack',
  rendered,
  (t) => loadAll(t, undefined, { schema: CORE_SCHEMA }),
  (t) => parseAllDocuments(t).map((d) => d.toJS()),
);
compare(
  'package manifests and parameters',
  packageFiles,
  (t) => load(t, { schema: CORE_SCHEMA }),
  (t) => parse(t),
);
