/**
 * The writer under failure: node:fs/promises is wrapped so a chosen call fails, as a full disk
 * or a killed process would make it, and the old report must survive untouched with no
 * temporary folder left behind.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeReport } from '../src/node/write-report.js';
import { tinyDocument } from './tiny-document.js';

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
    rename: (async (...args: Parameters<typeof real.rename>) => {
      failures.renameCalls++;
      if (failures.renameCalls === failures.renameOnCall)
        throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      return real.rename(...args);
    }) as typeof real.rename,
  };
});

const root = await mkdtemp(join(tmpdir(), 'fmnist-reports-failure-'));
afterAll(() => rm(root, { recursive: true, force: true }));

beforeEach(() => {
  Object.assign(failures, { writeFileOnCall: 0, renameOnCall: 0, writeCalls: 0, renameCalls: 0 });
});

/** Every file under dir with its contents, to compare a folder before and after. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Object.fromEntries(
    await Promise.all(files.map(async (f) => [f.slice(dir.length), await readFile(f, 'utf8')])),
  );
}

describe('writeReport when writing fails', () => {
  it('leaves the old report intact and no temporary folder when a write fails midway', async () => {
    const out = join(root, 'midway');
    await writeReport(out, tinyDocument('Old'));
    const before = await snapshot(out);
    for (const failAt of [1, 2, 3, 4, 5]) {
      Object.assign(failures, { writeFileOnCall: failAt, writeCalls: 0 });
      await expect(writeReport(out, tinyDocument('New'))).rejects.toThrow(/ENOSPC/);
      expect(await snapshot(out)).toEqual(before);
      expect(await readdir(root)).toEqual(['midway']);
    }
  });

  it('leaves no half report where there was none', async () => {
    const out = join(root, 'fresh');
    failures.writeFileOnCall = 4; // report.md: figures and results.json are already written
    await expect(writeReport(out, tinyDocument())).rejects.toThrow(/ENOSPC/);
    expect(await readdir(root)).not.toContain('fresh');
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('puts the old report back when the final rename fails', async () => {
    const out = join(root, 'swap');
    await writeReport(out, tinyDocument('Old'));
    const before = await snapshot(out);
    Object.assign(failures, { renameCalls: 0, renameOnCall: 2 }); // 1: old report aside, 2: new one in
    await expect(writeReport(out, tinyDocument('New'))).rejects.toThrow(/EIO/);
    expect(await snapshot(out)).toEqual(before);
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
