/**
 * The shared flags, run in process through main(argv, writer): `-o` is `--output` on every verb,
 * formats are checked while parsing (before any cluster or registry is contacted), and the verbs
 * whose `-o` used to name a directory keep their long flag and say so.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram, main } from '../../src/cli/main.js';
import type { Writer } from '../../src/cli/output.js';
import { repoRoot } from '../helpers/cli.js';

function capture(): Writer & { stdout: string; stderr: string } {
  const writer = {
    stdout: '',
    stderr: '',
    isTTY: false,
    color: false,
    out(text: string) {
      writer.stdout += `${text}\n`;
    },
    err(text: string) {
      writer.stderr += `${text}\n`;
    },
  };
  return writer;
}

/** main() takes process.argv: the node binary and the script come first. */
function run(args: string[], writer: Writer): Promise<number> {
  return main(['node', 'stackanetes', ...args], writer);
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

describe('the -o flag', () => {
  it('is --output on every verb that has an --output, and nothing else anywhere', () => {
    const program = buildProgram({ writer: capture(), debug: false, setExitCode: () => {} });
    const withOutput: string[] = [];
    for (const command of allCommands(program)) {
      for (const option of command.options) {
        if (option.long === '--output') {
          withOutput.push(command.name());
          expect({ verb: command.name(), short: option.short }).toEqual({
            verb: command.name(),
            short: '-o',
          });
        } else
          expect({ verb: command.name(), short: option.short }).not.toEqual({
            verb: command.name(),
            short: '-o',
          });
      }
    }
    expect(withOutput).toEqual(
      expect.arrayContaining([
        'generate',
        'lint',
        'pull',
        'push',
        'diff',
        'deploy',
        'status',
        'history',
        'view',
      ]),
    );
  });

  it('rejects an unknown format while parsing, before any cluster is contacted', async () => {
    const writer = capture();
    const code = await run(['status', '-o', 'xml', '--kubeconfig', '/nonexistent/kubeconfig'], writer);
    expect(code).toBe(2);
    expect(writer.stderr).toContain('--output "xml" is not a known format');
    expect(writer.stderr).toContain('table, json, yaml');
    expect(writer.stderr).not.toContain('kubeconfig');
  });

  it('tells a user of the old `pull REF -o DIR` to name the directory with --dir', async () => {
    const writer = capture();
    const code = await run(['pull', 'demo/app@1.0.0', '-o', 'app-dir'], writer);
    expect(code).toBe(2);
    expect(writer.stderr).toContain('--output "app-dir" is not a known format');
    expect(writer.stderr).toContain('--dir DIR');
  });

  it('renders generate -o json as a JSON List, and points an old `generate -o DIR` at --out', async () => {
    const writer = capture();
    const code = await run(
      ['generate', join(repoRoot, 'test', 'fixtures', 'cluster', 'db'), '-o', 'json'],
      writer,
    );
    expect({ code, stderr: writer.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(writer.stdout)).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    const old = capture();
    expect(
      await run(['generate', join(repoRoot, 'test', 'fixtures', 'cluster', 'db'), '-o', 'out-dir'], old),
    ).toBe(2);
    expect(old.stderr).toContain('--out DIR');
  });
});
