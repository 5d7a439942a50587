import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  directoryMatches,
  stampDirectory,
  stampVariableFiles,
  variableFilesMatch,
  type DirectoryStamp,
} from '../../src/render/input-stamp.js';

/**
 * The stamps that let an unchanged generate skip loading packages: any change the loader would
 * see must make a stamp fail, whether or not the file's stat still looks the same.
 */
describe('input stamps of package directories', () => {
  let dir: string;
  /** Far after every file's timestamps: stats are trusted, as for files not touched recently. */
  const later = Date.now() + 3_600_000;
  /** Before the files were written: every stat is too recent to trust, so contents are compared. */
  const earlier = Date.now() - 3_600_000;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackanetes-stamp-'));
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'manifest.yaml'), 'package: {name: t/x, version: 1.0.0}\n');
    writeFileSync(join(dir, 'templates', 'a.yaml.hbs'), 'kind: A\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** What the loader would have read. */
  const loaded = (): Map<string, string> =>
    new Map([
      ['manifest.yaml', readFileSync(join(dir, 'manifest.yaml'), 'utf8')],
      ['templates/a.yaml.hbs', readFileSync(join(dir, 'templates', 'a.yaml.hbs'), 'utf8')],
    ]);
  const stamp = (): DirectoryStamp => {
    const made = stampDirectory(dir, loaded());
    if (!made) throw new Error('no stamp');
    return made;
  };

  it('matches an unchanged directory, by stat and by content', () => {
    const s = stamp();
    expect(directoryMatches(s, later)).toBe(true);
    expect(directoryMatches(s, earlier)).toBe(true);
  });

  it('matches a touched file whose content is unchanged', () => {
    const s = stamp();
    const file = join(dir, 'templates', 'a.yaml.hbs');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(directoryMatches(s, later)).toBe(true);
  });

  it('fails on a same-size edit even when the mtime is put back (ctime still moves)', async () => {
    const s = stamp();
    const file = join(dir, 'templates', 'a.yaml.hbs');
    const before = statSync(file);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, 'kind: B\n');
    utimesSync(file, before.atime, before.mtime);
    expect(directoryMatches(s, later)).toBe(false);
    expect(directoryMatches(s, earlier)).toBe(false);
  });

  it('fails on a content change that keeps the stat, when the stat is too recent to trust', () => {
    const s = stamp();
    const forged = {
      ...s,
      files: s.files.map((f) => (f.member === 'manifest.yaml' ? { ...f, sha: '0'.repeat(64) } : f)),
    };
    expect(directoryMatches(forged, earlier)).toBe(false);
    // With a trustworthy stat the file is not read at all: that is the point of the stamp.
    expect(directoryMatches(forged, later)).toBe(true);
  });

  it('fails when a file is added, removed or re-linked; ignores what the loader skips', () => {
    const s = stamp();
    writeFileSync(join(dir, '.notes'), 'ignored by the loader\n');
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', 'x.js'), '');
    expect(directoryMatches(s, later)).toBe(true);
    writeFileSync(join(dir, 'templates', 'b.yaml.hbs'), 'kind: B\n');
    expect(directoryMatches(s, later)).toBe(false);
    unlinkSync(join(dir, 'templates', 'b.yaml.hbs'));
    expect(directoryMatches(s, later)).toBe(true);
    unlinkSync(join(dir, 'templates', 'a.yaml.hbs'));
    expect(directoryMatches(s, later)).toBe(false);
    writeFileSync(join(dir, 'templates', 'target.txt'), 'kind: A\n');
    symlinkSync('target.txt', join(dir, 'templates', 'a.yaml.hbs'));
    expect(directoryMatches(s, later)).toBe(false);
  });

  it('fails when the directory is gone', () => {
    const s = stamp();
    rmSync(dir, { recursive: true, force: true });
    expect(directoryMatches(s, later)).toBe(false);
  });

  it('refuses to stamp a tree holding a file the loader did not read', () => {
    const files = loaded();
    files.delete('templates/a.yaml.hbs');
    expect(stampDirectory(dir, files)).toBeUndefined();
  });

  it('stamps --variables files by content', () => {
    const file = join(dir, 'parameters.yaml');
    writeFileSync(file, 'a: 1\n');
    const stamps = stampVariableFiles(['parameters.yaml'], dir);
    expect(stamps).toBeDefined();
    expect(variableFilesMatch(stamps ?? [], ['parameters.yaml'], dir)).toBe(true);
    writeFileSync(file, 'a: 2\n');
    expect(variableFilesMatch(stamps ?? [], ['parameters.yaml'], dir)).toBe(false);
    expect(variableFilesMatch(stamps ?? [], [], dir)).toBe(false);
    rmSync(file);
    expect(variableFilesMatch(stamps ?? [], ['parameters.yaml'], dir)).toBe(false);
    expect(stampVariableFiles(['parameters.yaml'], dir)).toBeUndefined();
  });
});
