/**
 * @fmnist/files/testing: real tmpfs mounts for the tests of what writes files (a full disk, a
 * mount point, a read-only folder), where the run may mount (root); tests skip, saying why,
 * where it may not.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether this process may mount a tmpfs (tried once, on a scratch folder). */
export const canMountTmpfs: boolean = (() => {
  const probe = mkdtempSync(join(tmpdir(), 'fmnist-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    rmdirSync(probe);
  }
})();

const mounted: string[] = [];

/** Mounts a tmpfs of `size` (`64k`, `1m`) at `at` (made if missing); unmountAll undoes it. */
export function mountTmpfs(at: string, size: string, options: { readOnly?: boolean } = {}): void {
  mkdirSync(at, { recursive: true });
  execFileSync('mount', [
    '-t',
    'tmpfs',
    '-o',
    `size=${size}${options.readOnly ? ',ro' : ''}`,
    'tmpfs',
    at,
  ]);
  mounted.push(at);
}

/** Unmounts every tmpfs mountTmpfs made, the last first (for afterAll). */
export function unmountAll(): void {
  for (const at of mounted.splice(0).reverse()) spawnSync('umount', [at]);
}
