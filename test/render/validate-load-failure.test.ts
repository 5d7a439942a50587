/**
 * A built-in kind whose validator module fails to load must stop the render as an internal
 * error (exit 70), never pass the object with a "no schema" warning. The module is made to throw
 * when loaded, as in a damaged installation.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.js';

describe('a validator that fails to load', () => {
  it('stops validation with an internal error (exit 70) naming the kind and the module', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-damaged-'));
    try {
      mkdirSync(join(dir, 'agent', 'templates'), { recursive: true });
      writeFileSync(
        join(dir, 'agent', 'manifest.yaml'),
        'package: {name: test/agent, version: 1.0.0}\nresources:\n  - file: templates/ds.yaml.hbs\n',
      );
      writeFileSync(
        join(dir, 'agent', 'templates', 'ds.yaml.hbs'),
        [
          'apiVersion: apps/v1',
          'kind: DaemonSet',
          'metadata: {name: agent}',
          'spec:',
          '  selector: {matchLabels: {app: agent}}',
          '  template:',
          '    metadata: {labels: {app: agent}}',
          '    spec: {containers: [{name: agent, image: "example/agent:1"}]}',
          '',
        ].join('\n'),
      );
      const result = await runCli(['generate', join(dir, 'agent')], {
        env: {
          STACKANETES_HOME: join(dir, 'home'),
          NODE_OPTIONS: `--import=${join(repoRoot, 'test', 'helpers', 'damage-module.mjs')}`,
          STACKANETES_DAMAGED_MODULE: 'kubernetes-models/apps/v1/DaemonSet',
        },
      });
      expect(result.code).toBe(70);
      expect(result.stderr).toMatch(
        /the schema validator for DaemonSet \(apps\/v1\) failed to load from kubernetes-models\/apps\/v1\/DaemonSet: .*damaged module/,
      );
      expect(result.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
