// The packed CLI installs and runs where the repository is not: `pnpm pack:cli` makes
// fmnist-lab-cli-<version>.tgz, npm installs it into a fresh global prefix (fetching its
// dependencies from the registry, skipping the optional `gl` build), and the installed
// `fmnist` answers --version and `data --json` from an empty folder.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const enabled = process.env.CI !== undefined || process.env.FMNIST_PACK_TEST === '1';

describe.skipIf(!enabled)(
  `the packed CLI${enabled ? '' : ' (skipped: runs in CI or with FMNIST_PACK_TEST=1; it installs from the npm registry, about 4 minutes)'}`,
  () => {
    it('npm install -g of fmnist-lab-cli-<version>.tgz gives a working fmnist', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fmnist-pack-test-'));
      const version = JSON.parse(readFileSync(join(ROOT, 'apps/cli/package.json'), 'utf8')).version;
      const tgz = execFileSync(
        process.execPath,
        [join(ROOT, 'scripts/pack-cli.mjs'), '--out', dir],
        {
          encoding: 'utf8',
        },
      ).trim();
      expect(tgz).toBe(join(dir, `fmnist-lab-cli-${version}.tgz`));
      const prefix = join(dir, 'prefix');
      execFileSync(
        'npm',
        ['install', '-g', '--prefix', prefix, '--omit=optional', '--no-audit', '--no-fund', tgz],
        { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      // An empty folder and home, far from the repository: nothing of the workspace is reachable.
      const home = join(dir, 'home');
      mkdirSync(home);
      const { FASHION_MNIST_DIR: _unset, ...env } = process.env;
      const fmnist = (...args: string[]) =>
        execFileSync(join(prefix, 'bin', 'fmnist'), args, {
          cwd: home,
          env: { ...env, HOME: home, NODE_PATH: '' },
          encoding: 'utf8',
        });
      expect(fmnist('--version')).toBe(`${version}\n`);
      const data = JSON.parse(fmnist('data', '--json', '--limit', '100', '--out', join(home, 'r')));
      expect(data.shapes.train.x).toEqual([100, 28, 28]);
      expect(data.shapes.test.x).toEqual([10_000, 28, 28]);

      // The lab page travels in the package (lab/): the installed `fmnist lab` serves it.
      const lab = spawn(join(prefix, 'bin', 'fmnist'), ['lab', '--port', '0'], {
        cwd: home,
        env: { ...env, HOME: home, NODE_PATH: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let stderr = '';
          lab.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
            const found = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)?.[1];
            if (found) resolve(found);
          });
          lab.on('exit', (code) => reject(new Error(`fmnist lab exited (${code}): ${stderr}`)));
        });
        for (const path of ['', 'main.js', 'worker.js', 'data/testLabels']) {
          const response = await fetch(`${url}${path}`);
          expect(response.status, path).toBe(200);
        }
        expect(await (await fetch(url)).text()).toContain('<title>fmnist lab</title>');
      } finally {
        lab.kill('SIGTERM');
      }
    }, 1_200_000);
  },
);
