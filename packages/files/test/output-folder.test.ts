// The tool replaces only what it wrote, one writer at a time, and a swap interrupted anywhere
// leaves the old folder or the new one whole, which the next run puts right.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MANIFEST,
  mountPoints,
  type OutputFolderOptions,
  openOutputFolder,
  writeOutputFolder,
} from '../src/node/index.js';
import { canMountTmpfs, mountTmpfs, unmountAll } from '../src/node/testing.js';

const OPTIONS: OutputFolderOptions = { what: 'report', command: 'test', version: '0' };
const FILES = [
  { path: 'report.html', content: '<p>new</p>' },
  { path: 'figures/a.svg', content: '<svg/>' },
];

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'fmnist-files-'));
}

/** Every file under `dir`, relative, sorted, with its text. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path);
      else out[path] = readFileSync(join(dir, path), 'utf8');
    }
  };
  walk('');
  return out;
}

async function refusal(promise: Promise<unknown>): Promise<{ problem: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { problem: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('a folder the tool did not write is never replaced', () => {
  it('a project folder holding results.json, src/ and .git is refused and left whole', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'results.json'), '{}');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'main.ts'), 'code');
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref');
    const before = tree(dir);
    const error = await refusal(writeOutputFolder(dir, FILES, { ...OPTIONS, label: '--out .' }));
    expect(error.problem).toBe('not-ours');
    expect(error.message).toBe(
      `--out . is not empty and was not written by fmnist (it has no ${MANIFEST}), so nothing in it will be replaced; choose a new or empty folder for the report`,
    );
    expect(tree(dir)).toEqual(before);
  });

  it("a folder with the user's own report.md and thesis.tex is refused", async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'report.md'), 'mine');
    writeFileSync(join(dir, 'thesis.tex'), 'mine too');
    expect((await refusal(writeOutputFolder(dir, FILES, OPTIONS))).problem).toBe('not-ours');
    expect(tree(dir)).toEqual({ 'report.md': 'mine', 'thesis.tex': 'mine too' });
  });

  it('a manifest that is not the tool’s (another format, bad JSON, an escaping path) protects nothing', async () => {
    for (const text of [
      '{"files": {}}',
      'not json',
      JSON.stringify({
        format: 'fmnist-lab/folder-manifest@1',
        state: 'complete',
        files: { '../x': { sha256: 'a' } },
      }),
    ]) {
      const dir = scratch();
      writeFileSync(join(dir, MANIFEST), text);
      writeFileSync(join(dir, 'notes.txt'), 'mine');
      expect((await refusal(writeOutputFolder(dir, FILES, OPTIONS))).problem).toBe('not-ours');
      expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    }
  });

  it('each part of a manifest is checked: another format, state or file list protects nothing', async () => {
    const good = { format: 'fmnist-lab/folder-manifest@1', state: 'complete', files: {} };
    for (const manifest of [
      { ...good, format: 'fmnist-lab/folder-manifest@2' },
      { ...good, state: 'done' },
      { ...good, files: [] },
      { ...good, files: null },
      { ...good, files: { 'a.txt': { sha256: 1 } } },
      null,
    ]) {
      const dir = scratch();
      writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest));
      writeFileSync(join(dir, 'notes.txt'), 'mine');
      const error = await refusal(writeOutputFolder(dir, FILES, OPTIONS));
      expect(error.problem, JSON.stringify(manifest)).toBe('not-ours');
      expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    }
    // The same folder with a good manifest is fmnist's: the note is kept, the report written.
    const dir = scratch();
    writeFileSync(join(dir, MANIFEST), JSON.stringify(good));
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await writeOutputFolder(dir, FILES, OPTIONS);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('a folder beside the data folder (not inside it) is fine', async () => {
    const root = scratch();
    const data = join(root, 'data');
    mkdirSync(data);
    const options = { ...OPTIONS, protect: [{ dir: data, what: 'the data folder' }] };
    for (const out of [join(root, 'report'), join(root, 'data-report')]) {
      await writeOutputFolder(out, FILES, options);
      expect(existsSync(join(out, 'report.html'))).toBe(true);
    }
  });

  it('the data folder, or a folder inside it, is refused', async () => {
    const data = scratch();
    writeFileSync(join(data, 'train-images-idx3-ubyte.gz'), 'data');
    for (const out of [data, join(data, 'report')]) {
      const error = await refusal(
        writeOutputFolder(out, FILES, {
          ...OPTIONS,
          protect: [{ dir: data, what: 'the data folder' }],
        }),
      );
      expect(error.problem).toBe('protected');
    }
    expect(readdirSync(data)).toEqual(['train-images-idx3-ubyte.gz']);
  });
});

describe('an earlier folder of the tool’s is replaced, and only its own files go', () => {
  it('writes the files and a manifest with each file’s SHA-256', async () => {
    const dir = join(scratch(), 'out');
    const written = await writeOutputFolder(dir, FILES, OPTIONS);
    expect(written.files).toEqual(['report.html', 'figures/a.svg']);
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
    expect(manifest.files['figures/a.svg'].sha256).toBe(
      createHash('sha256').update('<svg/>').digest('hex'),
    );
    expect(manifest).toMatchObject({ what: 'report', command: 'test', state: 'complete' });
  });

  it("keeps a note the user added, a folder of theirs and a file inside the tool's folder", async () => {
    const dir = join(scratch(), 'out');
    await writeOutputFolder(dir, [...FILES, { path: 'old-only.txt', content: 'tool' }], OPTIONS);
    writeFileSync(join(dir, 'my-notes.md'), 'notes');
    mkdirSync(join(dir, 'drafts'));
    writeFileSync(join(dir, 'drafts', 'd.txt'), 'draft');
    writeFileSync(join(dir, 'figures', 'mine.png'), 'png');
    const lines: string[] = [];
    const written = await writeOutputFolder(
      dir,
      [
        { path: 'report.html', content: 'v2' },
        { path: 'figures/a.svg', content: 's2' },
      ],
      { ...OPTIONS, log: (l) => lines.push(l) },
    );
    const files = tree(dir);
    delete files[MANIFEST];
    expect(files).toEqual({
      'report.html': 'v2',
      'figures/a.svg': 's2',
      'figures/mine.png': 'png',
      'my-notes.md': 'notes',
      'drafts/d.txt': 'draft',
    });
    expect(written.kept.sort()).toEqual(['drafts', 'figures/mine.png', 'my-notes.md']);
    expect(lines[0]).toMatch(/^kept 3 files of yours in /);
    // Nothing hidden is left beside it.
    expect(readdirSync(join(dir, '..'))).toEqual(['out']);
  });

  it('a file the tool wrote and the user then edited is refused, naming it', async () => {
    const dir = join(scratch(), 'out');
    await writeOutputFolder(dir, FILES, OPTIONS);
    writeFileSync(join(dir, 'report.html'), 'my edit');
    const error = await refusal(writeOutputFolder(dir, FILES, { ...OPTIONS, label: 'r' }));
    expect(error.problem).toBe('edited');
    expect(error.message).toMatch(/^r\/report\.html changed after fmnist wrote it; /);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe('my edit');
  });

  it('a file of the user’s where the new folder writes one is refused before the swap', async () => {
    const dir = join(scratch(), 'out');
    await writeOutputFolder(dir, [{ path: 'report.html', content: 'v1' }], OPTIONS);
    writeFileSync(join(dir, 'results.json'), 'mine');
    const error = await refusal(
      writeOutputFolder(dir, [...FILES, { path: 'results.json', content: '{}' }], OPTIONS),
    );
    expect(error.problem).toBe('conflict');
    expect(readFileSync(join(dir, 'results.json'), 'utf8')).toBe('mine');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe('v1');
  });

  it('an empty folder is taken; a file where the folder should be is refused', async () => {
    const dir = scratch();
    await writeOutputFolder(dir, FILES, OPTIONS);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe('<p>new</p>');
    const file = join(scratch(), 'f');
    writeFileSync(file, 'x');
    expect((await refusal(writeOutputFolder(file, FILES, OPTIONS))).problem).toBe('not-a-folder');
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('a long folder name (250 bytes) works: the hidden names do not grow with it', async () => {
    const dir = join(scratch(), 'r'.repeat(250));
    await writeOutputFolder(dir, FILES, OPTIONS);
    await writeOutputFolder(dir, FILES, OPTIONS);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe('<p>new</p>');
  });

  it('a name too long for the file system is refused when the folder is claimed', async () => {
    const parent = scratch();
    const error = await refusal(openOutputFolder(join(parent, 'r'.repeat(300)), OPTIONS));
    expect(error.problem).toBe('name-too-long');
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe('one writer at a time', () => {
  it('a folder claimed by a live process is refused at once; released, it is free', async () => {
    const dir = join(scratch(), 'out');
    const first = await openOutputFolder(dir, OPTIONS);
    const error = await refusal(openOutputFolder(dir, { ...OPTIONS, label: '--out out' }));
    expect(error.problem).toBe('in-use');
    expect(error.message).toBe(
      `--out out is being written by another fmnist (process ${process.pid}); wait for it to finish or choose another folder for the report`,
    );
    await first.release();
    await writeOutputFolder(dir, FILES, OPTIONS);
    expect(readdirSync(join(dir, '..'))).toEqual(['out']);
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const parent = scratch();
    const dir = join(parent, 'out');
    const dead = deadPid();
    const key = createHash('sha256').update('out').digest('hex').slice(0, 12);
    writeFileSync(join(parent, `.fmnist-lock-${key}`), `${dead} abcd\n`);
    await writeOutputFolder(dir, FILES, OPTIONS);
    expect(readdirSync(parent)).toEqual(['out']);
  });

  it('two processes racing on one folder: one writes, the other is refused, nothing is left over', async () => {
    const parent = scratch();
    const dir = join(parent, 'out');
    await writeOutputFolder(dir, FILES, OPTIONS);
    const script = `
      import { openOutputFolder } from ${JSON.stringify(MODULE)};
      const folder = await openOutputFolder(process.argv[1], { what: 'report', command: 'race', version: '0' })
        .catch((e) => { console.log(e.problem); process.exit(3); });
      await new Promise((r) => setTimeout(r, 300));
      await folder.write([{ path: 'report.html', content: 'race ' + process.pid }]);
      console.log('written');`;
    const runs = await Promise.all([runModule(script, dir), runModule(script, dir)]);
    expect(runs.sort()).toEqual(['in-use', 'written']);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/^race \d+$/);
    expect(readdirSync(parent)).toEqual(['out']);
  });
});

const MODULE = fileURLToPath(new URL('../dist/node/index.js', import.meta.url));

/** Runs an ES module script in a child Node with `arg`; resolves to its stdout, trimmed. */
function runModule(script: string, arg: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, arg]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', () => done(out.trim()));
  });
}

/** A process id that no process has now (a child that has exited). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
    encoding: 'utf8',
  });
  return Number(child.stdout.trim());
}

/**
 * A child that replaces a folder and is SIGKILLed right after its `n`-th synchronous rename
 * (1: the old folder set aside; 2: the new one in place, the user's files not yet moved).
 */
function killedAfterRename(dir: string, n: number): number | null {
  const script = `
    import fs from 'node:fs';
    import { syncBuiltinESMExports } from 'node:module';
    const rename = fs.renameSync;
    let count = 0;
    fs.renameSync = (a, b) => { rename(a, b); if (++count === ${n}) process.kill(process.pid, 'SIGKILL'); };
    syncBuiltinESMExports();
    const { writeOutputFolder } = await import(${JSON.stringify(MODULE)});
    await writeOutputFolder(process.argv[1], [{ path: 'report.html', content: 'new' }], { what: 'report', command: 'killed', version: '0' });`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir]);
  return run.status ?? (run.signal === 'SIGKILL' ? -9 : null);
}

describe('a swap killed at any point is put right by the next run', () => {
  it('killed between the two renames: the old folder is put back, whole, before anything else', async () => {
    const parent = scratch();
    const dir = join(parent, 'out');
    await writeOutputFolder(dir, [{ path: 'report.html', content: 'old' }], OPTIONS);
    writeFileSync(join(dir, 'note.txt'), 'mine');
    expect(killedAfterRename(dir, 1)).toBe(-9);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(parent).filter((e) => e.startsWith('.fmnist-old-'))).toHaveLength(1);
    const lines: string[] = [];
    const folder = await openOutputFolder(dir, { ...OPTIONS, log: (l) => lines.push(l) });
    expect(lines).toEqual([
      `put back the earlier report in ${dir}, which an interrupted run had set aside`,
    ]);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe('old');
    expect(readFileSync(join(dir, 'note.txt'), 'utf8')).toBe('mine');
    await folder.release();
    expect(readdirSync(parent)).toEqual(['out']);
  });

  it("killed after the swap: the new folder stands, and the user's files join it", async () => {
    const parent = scratch();
    const dir = join(parent, 'out');
    await writeOutputFolder(dir, [{ path: 'report.html', content: 'old' }], OPTIONS);
    writeFileSync(join(dir, 'note.txt'), 'mine');
    expect(killedAfterRename(dir, 2)).toBe(-9);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe('new');
    const folder = await openOutputFolder(dir, OPTIONS);
    await folder.release();
    expect(readFileSync(join(dir, 'note.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(parent)).toEqual(['out']);
  });

  it('a folder set aside by an earlier version (.NAME.old-PID-…) is put back, never deleted', async () => {
    const parent = scratch();
    const aside = join(parent, `.out.old-${deadPid()}-1a2b3c4d`);
    mkdirSync(aside);
    writeFileSync(join(aside, 'results.json'), '{}');
    writeFileSync(join(aside, 'thesis.tex'), 'mine');
    // Put back first; then, holding no manifest, the folder is the user's and is refused.
    const error = await refusal(openOutputFolder(join(parent, 'out'), OPTIONS));
    expect(error.problem).toBe('not-ours');
    expect(tree(join(parent, 'out'))).toEqual({ 'results.json': '{}', 'thesis.tex': 'mine' });
    expect(readdirSync(parent)).toEqual(['out']);
  });

  it('beside a report in place, an earlier version’s set-aside folder is kept under a visible name', async () => {
    const parent = scratch();
    const dir = join(parent, 'out');
    await writeOutputFolder(dir, FILES, OPTIONS);
    const aside = join(parent, `.out.old-${deadPid()}-1a2b3c4d`);
    mkdirSync(aside);
    writeFileSync(join(aside, 'thesis.tex'), 'mine');
    const lines: string[] = [];
    await writeOutputFolder(dir, FILES, { ...OPTIONS, log: (l) => lines.push(l) });
    const kept = readdirSync(parent).filter((e) => e !== 'out');
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^out\.recovered-\d{4}-/);
    expect(readFileSync(join(parent, kept[0]!, 'thesis.tex'), 'utf8')).toBe('mine');
    expect(lines[0]).toMatch(/^kept an earlier report that an interrupted run had set aside as /);
  });

  it("a dead run's half-written new folder is removed", async () => {
    const parent = scratch();
    const key = createHash('sha256').update('out').digest('hex').slice(0, 12);
    const half = join(parent, `.fmnist-new-${key}-${deadPid()}-00ff00ff`);
    mkdirSync(half);
    writeFileSync(join(half, 'report.html'), 'half');
    await writeOutputFolder(join(parent, 'out'), FILES, OPTIONS);
    expect(readdirSync(parent)).toEqual(['out']);
  });
});

describe('the mount table', () => {
  it('reads mount points with their octal escapes undone', () => {
    const table = [
      '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
      '35 22 0:30 / /mnt/my\\040data rw shared:2 - tmpfs tmpfs rw',
      '',
    ].join('\n');
    expect(mountPoints(table)).toEqual(['/', '/mnt/my data']);
  });
});

afterAll(unmountAll);

describe.skipIf(!canMountTmpfs)(
  'mount points and full disks (these mount tmpfs: skipped where mounting needs a root this run lacks)',
  () => {
    it('an empty mount point is written in place; holding a report, it is refused, not broken', async () => {
      const mount = join(scratch(), 'volume');
      mkdirSync(mount);
      mountTmpfs(mount, '1m');
      await writeOutputFolder(mount, FILES, OPTIONS);
      expect(readFileSync(join(mount, 'report.html'), 'utf8')).toBe('<p>new</p>');
      const error = await refusal(
        writeOutputFolder(mount, FILES, { ...OPTIONS, label: '--out volume' }),
      );
      expect(error.problem).toBe('mount-point');
      expect(error.message).toMatch(/^--out volume is a mount point holding an earlier report; /);
      expect(readFileSync(join(mount, 'report.html'), 'utf8')).toBe('<p>new</p>');
    });

    it('too little free space for the usual size is refused when the folder is claimed', async () => {
      const disk = join(scratch(), 'disk');
      mkdirSync(disk);
      mountTmpfs(disk, '64k');
      const error = await refusal(
        openOutputFolder(join(disk, 'out'), { ...OPTIONS, expectedBytes: 10 * 2 ** 20 }),
      );
      expect(error.problem).toBe('no-space');
      expect(error.message).toMatch(
        /is on a disk with \d+ KiB free, and a report takes about 10\.0 MiB/,
      );
      expect(readdirSync(disk)).toEqual([]);
    });

    it('a disk that fills while writing: one message, the earlier folder whole, nothing left over', async () => {
      const disk = join(scratch(), 'disk');
      mkdirSync(disk);
      mountTmpfs(disk, '256k');
      const dir = join(disk, 'out');
      await writeOutputFolder(dir, [{ path: 'report.html', content: 'old' }], OPTIONS);
      const big = { path: 'figures/big.png', content: new Uint8Array(1024 * 1024) };
      const error = await refusal(writeOutputFolder(dir, [big], { ...OPTIONS, label: 'out' }));
      expect(error.problem).toBe('no-space');
      expect(error.message).toBe(
        'the disk holding out is full, so the report could not be written (the earlier report in out, if any, is untouched); free some space and run again',
      );
      expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe('old');
      expect(readdirSync(disk)).toEqual(['out']);
    });

    it('an empty writable folder in a read-only parent is written in place', async () => {
      const parent = join(scratch(), 'ro');
      mkdirSync(parent);
      mountTmpfs(parent, '64k');
      mkdirSync(join(parent, 'out'));
      execFileSync('mount', ['-o', 'remount,ro', parent]);
      mountTmpfs(join(parent, 'out'), '1m');
      await writeOutputFolder(join(parent, 'out'), FILES, OPTIONS);
      expect(readFileSync(join(parent, 'out', 'report.html'), 'utf8')).toBe('<p>new</p>');
    });
  },
);
