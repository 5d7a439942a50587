/**
 * Shell completion in the real shells. bash: the script printed by `stackanetes completion bash`
 * is sourced, COMP_WORDS/COMP_CWORD are set as bash sets them for a command line, the completion
 * function runs, and COMPREPLY is what would be offered. fish and zsh: see their blocks below.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.js';
import { fixturePackage } from '../registry-client/helpers.js';

const ociUrl = process.env.STACKANETES_TEST_OCI_URL as string;
let dir: string;
let script: string;
let home: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stackanetes-completion-'));
  home = join(dir, 'home');
  // The script calls `stackanetes` from PATH, as an installed CLI would be found.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'stackanetes'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'bin', 'stackanetes')}" "$@"\n`,
  );
  chmodSync(join(bin, 'stackanetes'), 0o755);
  const printed = await runCli(['completion', 'bash']);
  expect(printed.code).toBe(0);
  script = join(dir, 'stackanetes.bash');
  writeFileSync(script, printed.stdout);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What bash offers for the command line `line` with the cursor at its end (a trailing space starts a new word). */
function completeIn(
  line: string,
  env: Record<string, string> = {},
): Promise<{ words: string[]; stderr: string }> {
  const words = line.split(' ');
  const quoted = words.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(' ');
  const program = [
    `source '${script}'`,
    `COMP_WORDS=(${quoted})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE='${line}'`,
    `COMP_POINT=${line.length}`,
    '_stackanetes_complete',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--norc', '--noprofile', '-c', program], {
      env: {
        PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
        HOME: home,
        STACKANETES_HOME: home,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve({ words: stdout.split('\n').filter(Boolean).sort(), stderr }));
  });
}

describe('bash completion', () => {
  it('completes verbs, without the hidden helper verb', async () => {
    expect((await completeIn('stackanetes de')).words).toEqual(['delete-package', 'deploy']);
    const all = (await completeIn('stackanetes ')).words;
    expect(all).toEqual(expect.arrayContaining(['completion', 'deploy', 'push', 'show', 'rollback']));
    expect(all).not.toContain('__complete');
  });

  it("completes a verb's flags", async () => {
    expect((await completeIn('stackanetes deploy --lo')).words).toEqual(['--locked']);
    expect((await completeIn('stackanetes deploy --no')).words).toEqual(['--no-wait']);
    expect((await completeIn('stackanetes channel --')).words).toEqual(
      expect.arrayContaining(['--add', '--remove', '--delete', '--name', '--registry', '--output']),
    );
  });

  it('completes flag values that have fixed choices, and the shell names', async () => {
    expect((await completeIn('stackanetes show some/pkg -o ')).words).toEqual(['json', 'table', 'yaml']);
    expect((await completeIn('stackanetes show some/pkg --output j')).words).toEqual(['json']);
    expect((await completeIn('stackanetes lint ./pkg --output ')).words).toEqual(['json', 'text', 'yaml']);
    expect((await completeIn('stackanetes completion ')).words).toEqual(['bash', 'fish', 'zsh']);
    // A flag taking a free value offers nothing (bash falls back to file names).
    expect((await completeIn('stackanetes deploy --variables ')).words).toEqual([]);
  });

  it('completes package names from the default registry', async () => {
    const host = new URL(ociUrl).host;
    const registry = `oci://${host}/completion-${process.pid}`;
    const work = join(dir, 'work');
    for (const name of ['db', 'web'])
      expect(
        (
          await runCli(['push', fixturePackage(work, name, '1.0.0'), '--registry', registry], {
            env: { STACKANETES_HOME: home },
          })
        ).code,
      ).toBe(0);
    const env = { STACKANETES_REGISTRY: registry };
    expect((await completeIn('stackanetes show regtest/', env)).words).toEqual(['regtest/db', 'regtest/web']);
    expect((await completeIn('stackanetes deploy regtest/w', env)).words).toEqual(['regtest/web']);
    // Only the package argument: a second positional or a flag value is not a package.
    expect((await completeIn('stackanetes show regtest/db --output ', env)).words).toEqual([
      'json',
      'table',
      'yaml',
    ]);
  });

  it('offers nothing and prints nothing when the registry does not answer', async () => {
    const r = await completeIn('stackanetes show regtest/', { STACKANETES_REGISTRY: 'http://127.0.0.1:9' });
    expect(r).toEqual({ words: [], stderr: '' });
  });
});

/** Runs `program` in a real shell with the stackanetes wrapper on PATH; returns its output lines. */
function inShell(shell: string, args: string[]): Promise<{ lines: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, args, {
      env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, HOME: home, STACKANETES_HOME: home },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve({ lines: stdout.split('\n').filter(Boolean), stderr }));
  });
}

async function printedScript(shell: string): Promise<string> {
  const printed = await runCli(['completion', shell]);
  expect(printed.code).toBe(0);
  const path = join(dir, `stackanetes.${shell}`);
  writeFileSync(path, printed.stdout);
  return path;
}

describe('fish completion', () => {
  // fish's own `complete -C` asks the registered completions for a command line, as a key press would.
  it('completes verbs, flags and flag values through fish itself', async () => {
    const script = await printedScript('fish');
    const offered = async (line: string) =>
      (await inShell('fish', ['--no-config', '-c', `source '${script}'; complete -C'${line}'`])).lines
        .map((l) => l.split('\t')[0])
        .sort();
    expect(await offered('stackanetes de')).toEqual(['delete-package', 'deploy']);
    expect(await offered('stackanetes deploy --lo')).toEqual(['--locked']);
    expect(await offered('stackanetes status -o ')).toEqual(['json', 'table', 'yaml']);
  });
});

describe('zsh completion', () => {
  // Outside an interactive shell zsh's completion system cannot run, so compadd and _files are
  // stood in for: the function itself runs in a real zsh with `words` and CURRENT as zsh sets them.
  it('offers the candidates of the words before the cursor, and files when there are none', async () => {
    const script = await printedScript('zsh');
    const offered = async (words: string[]) => {
      const quoted = words.map((w) => `'${w}'`).join(' ');
      const program = [
        'compdef() { :; }',
        '_files() { print -r -- "<files>" }',
        'compadd() { [[ $1 == -a ]] && print -rl -- "${(@P)2}" }',
        `source '${script}'`,
        `words=(${quoted})`,
        `CURRENT=${words.length}`,
        '_stackanetes',
      ].join('\n');
      const result = await inShell('zsh', ['-f', '-c', program]);
      expect(result.stderr).toBe('');
      return result.lines.sort();
    };
    expect(await offered(['stackanetes', 'de'])).toEqual(['delete-package', 'deploy']);
    expect(await offered(['stackanetes', 'status', '-o', ''])).toEqual(['json', 'table', 'yaml']);
    expect(await offered(['stackanetes', 'deploy', '--variables', ''])).toEqual(['<files>']);
  });
});
