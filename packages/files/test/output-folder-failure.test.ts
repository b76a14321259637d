/**
 * The writer under failure, on any machine (the tmpfs tests in output-folder.test.ts need
 * root): node:fs is wrapped so a chosen call fails, as a full disk or a broken rename would
 * make it, and the old folder must survive untouched with nothing hidden left beside it.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeOutputFolder } from '../src/node/index.js';

const failures = vi.hoisted(() => ({
  writeFileOnCall: 0,
  renameOnCall: 0,
  writeCalls: 0,
  renameCalls: 0,
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    writeFile: (async (...args: Parameters<typeof real.writeFile>) => {
      failures.writeCalls++;
      if (failures.writeCalls === failures.writeFileOnCall)
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return real.writeFile(...args);
    }) as typeof real.writeFile,
  };
});

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return {
    ...real,
    renameSync: ((...args: Parameters<typeof real.renameSync>) => {
      failures.renameCalls++;
      if (failures.renameCalls === failures.renameOnCall)
        throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      return real.renameSync(...args);
    }) as typeof real.renameSync,
  };
});

const root = await mkdtemp(join(tmpdir(), 'fmnist-files-failure-'));
afterAll(() => rm(root, { recursive: true, force: true }));

beforeEach(() => {
  Object.assign(failures, { writeFileOnCall: 0, renameOnCall: 0, writeCalls: 0, renameCalls: 0 });
});

const OPTIONS = { what: 'report', command: 'test', version: '0', label: 'out' };
const files = (title: string) => [
  { path: 'figures/a.svg', content: `<svg>${title}</svg>` },
  { path: 'results.json', content: `{"title":"${title}"}` },
  { path: 'report.md', content: `# ${title}` },
  { path: 'report.html', content: `<title>${title}</title>` },
];

/** Every file under dir with its contents, to compare a folder before and after. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const found = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Object.fromEntries(
    await Promise.all(found.map(async (f) => [f.slice(dir.length), await readFile(f, 'utf8')])),
  );
}

describe('writing a folder when the disk fails', () => {
  it('a write failing at any file: the old folder intact, one message, nothing hidden left', async () => {
    const out = join(root, 'midway');
    await writeOutputFolder(out, files('Old'), OPTIONS);
    const before = await snapshot(out);
    for (const failAt of [1, 2, 3, 4, 5]) {
      Object.assign(failures, { writeFileOnCall: failAt, writeCalls: 0 });
      await expect(writeOutputFolder(out, files('New'), OPTIONS)).rejects.toThrow(
        'the disk holding out is full, so the report could not be written (the earlier report in out, if any, is untouched); free some space and run again',
      );
      expect(await snapshot(out)).toEqual(before);
      expect(await readdir(root)).toEqual(['midway']);
    }
  });

  it('leaves no half folder where there was none', async () => {
    const out = join(root, 'fresh');
    failures.writeFileOnCall = 3;
    await expect(writeOutputFolder(out, files('New'), OPTIONS)).rejects.toThrow(/disk .* is full/);
    expect(await readdir(root)).not.toContain('fresh');
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('puts the old folder back when the rename of the new one fails', async () => {
    const out = join(root, 'swap');
    await writeOutputFolder(out, files('Old'), OPTIONS);
    const before = await snapshot(out);
    Object.assign(failures, { renameCalls: 0, renameOnCall: 2 }); // 1: old aside, 2: new in
    await expect(writeOutputFolder(out, files('New'), OPTIONS)).rejects.toThrow(
      /^out cannot be written \(.*: EIO\) \(the earlier report in out, if any, is untouched\)$/,
    );
    expect(await snapshot(out)).toEqual(before);
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
