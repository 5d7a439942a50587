/**
 * The import guard of `npm run lint` (.dependency-cruiser.cjs): it reports an import that points
 * up a layer, product code reaching into test code, the CLI importing the registry server, the
 * simulator importing the client, and cycles through type-only imports; and on the real tree it
 * reports exactly the violations recorded in .dependency-cruiser-known-violations.json, so a fixed
 * violation must leave the baseline too (regenerate it with `npm run lint:deps:baseline`).
 */
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(process.cwd());
const config = join(root, '.dependency-cruiser.cjs');
const baseline = join(root, '.dependency-cruiser-known-violations.json');
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const SCANNED = ['src', 'registry-server', 'bin', 'test', 'bench', 'simulator'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

const describeViolation = (v: Violation): string => `${v.rule.name}: ${v.from} → ${v.to}`;

/** Runs the guard as lint does (no known-violations file) and returns what it reports. */
function cruise(cwd: string, paths: string[]): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        depcruise,
        '--config',
        config,
        '--output-type',
        'json',
        ...paths.filter((p) => existsSync(join(cwd, p))),
      ],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        const result = JSON.parse(stdout) as { summary: { violations: Violation[] } };
        resolvePromise(result.summary.violations.map(describeViolation).sort());
      } catch {
        reject(new Error(`depcruise printed no report: ${stderr.trim()}`));
      }
    });
  });
}

async function plant(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

describe('the import guard', () => {
  it('reports upward imports, test code in the product, the server in the CLI and type-only cycles', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stackanetes-guard-'));
    try {
      await plant(dir, {
        'package.json': '{ "type": "module" }\n',
        'tsconfig.json': readFileSync(join(root, 'tsconfig.json'), 'utf8'),
        'src/model/types.ts': 'export interface KubeObject { kind: string }\n',
        'src/actions/deploy.ts':
          "import type { KubeObject } from '../model/types.js';\nexport const deploy = (o: KubeObject) => o;\n",
        // the planted upward import: the API client reaching for an action
        'src/kube/client.ts':
          "import { deploy } from '../actions/deploy.js';\nexport const client = deploy;\n",
        // allowed: release sits above apply, apply above render and model
        'src/apply/plan.ts':
          "import type { KubeObject } from '../model/types.js';\nexport type Plan = KubeObject[];\n",
        'src/release/deployer.ts':
          "import type { Plan } from '../apply/plan.js';\nexport type Deployer = Plan;\n",
        'src/render/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
        'src/render/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
        'src/package/load.ts':
          "import { tarball } from '../../registry-server/tarball.js';\nexport const load = tarball;\n",
        'registry-server/tarball.ts': 'export const tarball = 1;\n',
        'src/cli/main.ts':
          "import { helper } from '../../test/helpers/cli.js';\nexport const main = helper;\n",
        'test/helpers/cli.ts': 'export const helper = 1;\n',
        'simulator/src/quantity.ts':
          "import type { KubeObject } from '../../src/model/types.js';\nexport type Q = KubeObject;\n",
      });
      expect(await cruise(dir, SCANNED)).toEqual([
        'cli-imports-registry-server: src/package/load.ts → registry-server/tarball.ts',
        'layer-kube: src/kube/client.ts → src/actions/deploy.ts',
        'no-circular: src/render/a.ts → src/render/b.ts',
        'product-imports-test-code: src/cli/main.ts → test/helpers/cli.ts',
        'simulator-imports-product: simulator/src/quantity.ts → src/model/types.ts',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports on the real tree exactly the violations the baseline records', async () => {
    const known = existsSync(baseline)
      ? (JSON.parse(readFileSync(baseline, 'utf8')) as Violation[]).map(describeViolation).sort()
      : [];
    expect(await cruise(root, SCANNED)).toEqual(known);
  });
});
