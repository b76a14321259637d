// --out is claimed before any training: a place that cannot take the report is a usage error
// (exit 2) in one line, found in a second rather than after minutes of training; a folder the
// tool did not write is never replaced, and files a user adds to a report are kept.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { canMountTmpfs, mountTmpfs, unmountAll } from '@fmnist/files/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { fmnist, MAIN } from './helpers.js';

const QUICK = ['--limit', '100', '--epochs', '1', '--model', 'top'];
const SYSTEM_DATA = '/usr/share/datasets/fashion-mnist';
const scratch = () => mkdtempSync(join(tmpdir(), 'fmnist-out-'));

/** Every file under `dir`, relative, with its text. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile())
      out[join(e.parentPath, e.name).slice(dir.length + 1)] = readFileSync(
        join(e.parentPath, e.name),
        'utf8',
      );
  }
  return out;
}

describe('--out that cannot be written is refused before training', () => {
  it('under a file: exit 2, one line, nothing trained', async () => {
    const dir = scratch();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const run = await fmnist(['part1', ...QUICK, '--out', join(file, 'sub')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `fmnist: --out ${join(file, 'sub')} cannot be made: ${file} is a file, not a folder; choose another folder. Run \`fmnist part1 --help\` for the usage.\n`,
    );
    expect(run.stderr).not.toMatch(/Epoch/);
    expect(readdirSync(dir)).toEqual(['a-file']);
  });

  it('where no folder can be made (/proc): exit 2, before training', async () => {
    const run = await fmnist(['part1', ...QUICK, '--out', '/proc/fmnist-report']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^fmnist: --out \/proc\/fmnist-report cannot be written \(\/proc[^\n]*: [^\n]+\); choose a folder you can write to\. [^\n]*\n$/,
    );
  });

  it('a new nested folder is fine, and the check leaves nothing behind', async () => {
    const dir = scratch();
    const run = await fmnist(['part1', ...QUICK, '--json', '--out', join(dir, 'a', 'b')]);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(['a']);
    expect(readdirSync(join(dir, 'a'))).toEqual(['b']);
  });

  it('a refused run leaves no folder it made on the way', async () => {
    const dir = scratch();
    const run = await fmnist(['part1', ...QUICK, '--out', join(dir, 'a', 'b'), '--seed', 'x']);
    expect(run.code).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a name too long for the file system: exit 2 before training, nothing made', async () => {
    const dir = scratch();
    const run = await fmnist(['part1', ...QUICK, '--out', join(dir, 'r'.repeat(300))]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /: the name is too long for the file system\); choose a shorter name\./,
    );
    expect(run.stderr).not.toMatch(/Epoch/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('--out replaces only what fmnist wrote', () => {
  it('a project folder with results.json, src/ and .git: `fmnist data --out .` refuses, loses nothing', async () => {
    const dir = scratch();
    // A user's project: its own results.json beside its sources and its repository.
    const project: Record<string, string> = {
      'results.json': '{"mine": true}',
      'package.json': '{"name": "mine"}',
      'src/main.ts': 'code',
      '.git/HEAD': 'ref: refs/heads/main',
    };
    for (const [path, text] of Object.entries(project)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const before = tree(dir);
    const run = spawnSync(process.execPath, [MAIN, 'data', '--limit', '100', '--out', '.'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      'fmnist: --out . is not empty and was not written by fmnist (it has no .fmnist-manifest.json), so nothing in it will be replaced; choose a new or empty folder for the report. Run `fmnist data --help` for the usage.\n',
    );
    expect(tree(dir)).toEqual(before);
  });

  it('a report of an earlier fmnist (no manifest) is refused with its own explanation, untouched', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ run: { command: 'fmnist study' } }));
    writeFileSync(join(dir, 'report.html'), '<html>old</html>');
    const run = await fmnist(['data', '--limit', '100', '--out', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^fmnist: --out .* holds a report written by an earlier fmnist, before reports carried a manifest, so fmnist cannot tell its files from yours; /,
    );
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe('<html>old</html>');
  });

  it("a folder with the user's own report.md and thesis.tex is refused", async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'report.md'), 'my report');
    writeFileSync(join(dir, 'thesis.tex'), 'years of work');
    const run = await fmnist(['data', '--limit', '100', '--out', dir]);
    expect(run.code).toBe(2);
    expect(tree(dir)).toEqual({ 'report.md': 'my report', 'thesis.tex': 'years of work' });
  });

  it('--data-dir X --out X, or a folder inside X: refused, the dataset untouched', async () => {
    const data = scratch();
    for (const name of readdirSync(SYSTEM_DATA))
      symlinkSync(join(SYSTEM_DATA, name), join(data, name));
    const before = readdirSync(data).sort();
    for (const out of [data, join(data, 'report')]) {
      const run = await fmnist(['data', '--limit', '100', '--data-dir', data, '--out', out]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^fmnist: --out .* is (inside )?the data folder \(--data-dir\) \(/,
      );
    }
    expect(readdirSync(data).sort()).toEqual(before);
  });

  it('a note the user added inside an earlier report is still there after the next run', async () => {
    const out = join(scratch(), 'report');
    expect((await fmnist(['data', '--limit', '100', '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'my-notes.md'), 'what I saw');
    const run = await fmnist(['data', '--limit', '100', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`kept 1 file of yours in --out ${out}: my-notes.md`);
    expect(readFileSync(join(out, 'my-notes.md'), 'utf8')).toBe('what I saw');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<html');
  });

  it('a report file the user edited: exit 2 before training, naming it, the edit kept', async () => {
    const out = join(scratch(), 'report');
    expect((await fmnist(['data', '--limit', '100', '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'report.md'), 'my edits');
    const run = await fmnist(['part1', ...QUICK, '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^fmnist: --out .*\/report\.md changed after fmnist wrote it; /);
    expect(run.stderr).not.toMatch(/Epoch/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe('my edits');
  });

  it('a report an interrupted swap left aside is put back by the next run, which says so', async () => {
    const parent = scratch();
    const out = join(parent, 'report');
    expect((await fmnist(['data', '--limit', '100', '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'my-notes.md'), 'mine');
    // What a run killed between the swap's two renames leaves (the files tests kill one there).
    const key = createHash('sha256').update('report').digest('hex').slice(0, 12);
    const dead = Number(
      spawnSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' }).stdout,
    );
    execFileSync('mv', [out, join(parent, `.fmnist-old-${key}-${dead}-0badf00d`)]);
    const run = await fmnist(['data', '--limit', '100', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `put back the earlier report in --out ${out}, which an interrupted run had set aside`,
    );
    expect(readFileSync(join(out, 'my-notes.md'), 'utf8')).toBe('mine');
    expect(readdirSync(parent)).toEqual(['report']);
  });

  it('a report set aside by an earlier version (.report.old-PID-…) is put back, not deleted', async () => {
    const parent = scratch();
    const dead = Number(
      spawnSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' }).stdout,
    );
    const aside = join(parent, `.report.old-${dead}-0badf00d`);
    mkdirSync(aside);
    writeFileSync(join(aside, 'results.json'), '{}');
    writeFileSync(join(aside, 'thesis.tex'), 'mine');
    const run = await fmnist(['data', '--limit', '100', '--out', join(parent, 'report')]);
    // Put back, and then (holding no manifest: that version could not tell) refused as the user's.
    expect(run.code).toBe(2);
    expect(tree(join(parent, 'report'))).toEqual({ 'results.json': '{}', 'thesis.tex': 'mine' });
  });

  it('a long folder name (250 bytes) is written and replaced', async () => {
    const out = join(scratch(), 'r'.repeat(250));
    expect((await fmnist(['data', '--limit', '100', '--out', out])).code).toBe(0);
    const again = await fmnist(['data', '--limit', '100', '--out', out]);
    expect(again.code, again.stderr).toBe(0);
  });

  it('two runs on one --out: the second is refused at once, the first writes a whole report', async () => {
    const parent = scratch();
    const out = join(parent, 'report');
    const first = spawn(process.execPath, [MAIN, 'part1', ...QUICK, '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let firstErr = '';
    first.stderr.on('data', (c: Buffer) => {
      firstErr += c.toString();
    });
    // Wait until the first run holds the folder (its lock file is there).
    for (
      let i = 0;
      i < 200 && !readdirSync(parent).some((e) => e.startsWith('.fmnist-lock-'));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const second = await fmnist(['part1', ...QUICK, '--out', out]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      new RegExp(
        `^fmnist: --out ${out} is being written by another fmnist \\(process ${first.pid}\\); wait for it to finish`,
      ),
    );
    const code = await new Promise((r) => first.on('close', r));
    expect(code, firstErr).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(readdirSync(parent)).toEqual(['report']);
  });
});

describe.skipIf(!canMountTmpfs)(
  'mount points and full disks (these mount tmpfs: skipped where mounting needs a root this run lacks)',
  () => {
    afterAll(unmountAll);

    it('--out a mount point (a Docker volume): empty, written in place; holding a report, refused before training', async () => {
      const volume = join(scratch(), 'volume');
      mountTmpfs(volume, '8m');
      const first = await fmnist(['data', '--limit', '100', '--out', volume]);
      expect(first.code, first.stderr).toBe(0);
      const before = tree(volume);
      const run = await fmnist(['part1', ...QUICK, '--out', volume]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^fmnist: --out .*volume is a mount point holding an earlier report; .* Choose a folder inside it \(e\.g\. .*volume\/fmnist-report\), or empty it\. /,
      );
      expect(run.stderr).not.toMatch(/Epoch/);
      expect(tree(volume)).toEqual(before);
    });

    it('a disk with less room than a report takes: exit 2 before training', async () => {
      const disk = join(scratch(), 'disk');
      mountTmpfs(disk, '64k');
      const run = await fmnist(['part1', ...QUICK, '--out', join(disk, 'report')]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^fmnist: --out .*report is on a disk with \d+ KiB free, and a report takes about [\d.]+ MiB; free some space or choose a folder on another disk\. /,
      );
      expect(readdirSync(disk)).toEqual([]);
    });
  },
);
