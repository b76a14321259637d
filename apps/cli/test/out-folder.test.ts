// --out is checked before any training: a place that cannot be written is a usage error (exit
// 2) in one line, found in a second rather than after minutes of training.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmnist } from './helpers.js';

const QUICK = ['--limit', '100', '--epochs', '1', '--model', 'top'];

describe('--out that cannot be written is refused before training', () => {
  it('under a file: exit 2, one line, nothing trained', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-out-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const run = await fmnist(['part1', ...QUICK, '--out', join(file, 'sub')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `fmnist: --out ${join(file, 'sub')} cannot be written (${join(file, 'sub')}: a part of the path is a file, not a folder). Choose a folder you can write to. Run \`fmnist part1 --help\` for the usage.\n`,
    );
    expect(run.stderr).not.toMatch(/Epoch/);
    expect(readdirSync(dir)).toEqual(['a-file']);
  });

  it('where no folder can be made (/proc): exit 2, before training', async () => {
    const run = await fmnist(['part1', ...QUICK, '--out', '/proc/fmnist-report']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^fmnist: --out \/proc\/fmnist-report cannot be written \(\/proc: [^\n]+\)\. Choose a folder you can write to\. [^\n]*\n$/,
    );
  });

  it('a new nested folder is fine, and the check leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-out-'));
    const run = await fmnist(['part1', ...QUICK, '--json', '--out', join(dir, 'a', 'b')]);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(['a']);
    expect(readdirSync(join(dir, 'a'))).toEqual(['b']);
  });
});
