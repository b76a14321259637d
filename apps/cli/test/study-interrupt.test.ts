// The study's report and its explain pages are one folder, swapped in at once: a study stopped
// while it writes the explain pages leaves the previous report and its pages exactly as they
// were (no page of the new seed beside a report of the old one), and nothing named
// `<out>-explain` beside the report is touched or needed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmnist, MAIN } from './helpers.js';

const QUICK = [
  '--limit',
  '300',
  '--epochs',
  '1',
  '--data-dir',
  '/usr/share/datasets/fashion-mnist',
];

/** Every file under `dir` with the SHA-256 of its content. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else
        files[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

describe('an interrupted study leaves the previous report and its explain pages as they were', () => {
  it('SIGINT during the explain pages: every file of the seed-7 report unchanged', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fmnist-interrupt-'));
    const out = join(root, 'x');
    // A file where the old layout put the explain pages: no longer in the way.
    writeFileSync(join(root, 'x-explain'), 'a file of the user');
    const first = await fmnist(['study', ...QUICK, '--seed', '7', '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const before = snapshot(out);
    expect(Object.keys(before)).toContain('explain/base/report.html');
    expect(Object.keys(before)).toContain('explain/top/report.html');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(
      '[base](explain/base/report.html)',
    );
    expect(readFileSync(join(root, 'x-explain'), 'utf8')).toBe('a file of the user');

    const child = spawn(process.execPath, [MAIN, 'study', ...QUICK, '--seed', '8', '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Two pages written (in memory) for seed 8, while the last models train or after: stop
        // now.
        if (/explain page: base/.test(stderr)) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^fmnist: interrupted \(Ctrl-C\) while (training|writing the explain pages)[^;]*; nothing new was written/,
    );
    expect(snapshot(out)).toEqual(before);
    // No temporary folder of the stopped run is left beside it.
    expect(readdirSync(root).sort()).toEqual(['x', 'x-explain']);
  }, 300_000);
});
