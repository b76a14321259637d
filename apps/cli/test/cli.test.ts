// The built `fmnist` run as a child process, on the real data and on broken data.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fmnist, MAIN } from './helpers.js';

const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
const realData = existsSync(join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));
const FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

/** One line, `fmnist: ...`, and nothing on stdout. */
function expectOneLineError(run: { stdout: string; stderr: string }): string {
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^fmnist: .+\. .+\.$/);
  return lines[0]!;
}

describe.skipIf(!realData)('fmnist data on the real files', () => {
  // The report goes to a temporary folder, never into the source tree.
  const outRoot = mkdtempSync(join(tmpdir(), 'fmnist-cli-out-'));
  const homes: string[] = [];
  afterAll(() => {
    for (const dir of [outRoot, ...homes]) rmSync(dir, { recursive: true, force: true });
  });

  it('--json prints one document with shapes, class counts, pixel ranges and crops', async () => {
    const out = join(outRoot, 'json');
    const run = await fmnist(['data', '--json', '--out', out]);
    homes.push(run.cwd);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.source).toEqual({ dir: SYSTEM_DIR, from: 'system' });
    expect(json.shapes).toEqual({
      train: { x: [50000, 28, 28], y: [50000] },
      validation: { x: [10000, 28, 28], y: [10000] },
      test: { x: [10000, 28, 28], y: [10000] },
    });
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    expect(sum(json.classDistribution.train)).toBe(50000);
    expect(sum(json.classDistribution.validation)).toBe(10000);
    expect(json.classDistribution.test['Ankle boot']).toBe(1000);
    expect(
      json.classDistribution.train['Ankle boot'] + json.classDistribution.validation['Ankle boot'],
    ).toBe(6000);
    expect(json.pixelRange.before.train).toEqual({ min: 0, max: 255 });
    expect(json.pixelRange.after.test).toEqual({ min: 0, max: 1 });
    expect(json.crops.top.train.x).toEqual([50000, 14, 28]);
    expect(json.crops.bottom.test.x).toEqual([10000, 14, 28]);
    expect(json.classColumns[0]).toBe('Ankle boot');
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('prints the steps as text, the class table sorted alphabetically, with --limit', async () => {
    const out = join(outRoot, 'text');
    const run = await fmnist(['data', '--limit', '1000', '--out', out]);
    homes.push(run.cwd);
    expect(run.code).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(existsSync(join(run.cwd, 'fmnist-report'))).toBe(false);
    expect(run.stdout).toMatch(/^Fashion-MNIST from \/usr\/share\/datasets\/fashion-mnist/);
    expect(run.stdout).toMatch(/Training +\(1000, 28, 28\) +\(1000,\)/);
    expect(run.stdout).toMatch(
      / +Ankle boot +Bag +Coat +Dress +Pullover +Sandal +Shirt +Sneaker +T-shirt\/top +Trouser\n +Training/,
    );
    expect(run.stdout).toMatch(/Test +1000 +1000 +1000/);
    expect(run.stdout).toMatch(/Validation +0, 255 +0, 1/);
    expect(run.stdout).toMatch(/Test +\(10000, 14, 28\) +\(10000, 14, 28\) +\(10000,\)/);
  });

  it('--limit above the training images says all of them are used, not "cut to the first"', async () => {
    const run = await fmnist(['data', '--limit', '99999999', '--out', join(outRoot, 'big-limit')]);
    homes.push(run.cwd);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      '(--limit 99999999 is more than the 50,000 training images: all of them are used)',
    );
    expect(run.stdout).not.toMatch(/cut to the first 99999999/);
    expect(run.stdout).toMatch(/Training +\(50000, 28, 28\)/);
  });
});

describe('broken data and bad command lines', () => {
  it('a corrupt file in --data-dir: one line naming it and the fix, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-corrupt-'));
    for (const name of FILES)
      writeFileSync(join(dir, `${name}.gz`), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2]));
    const run = await fmnist(['data', '--json', '--data-dir', dir]);
    expect(run.code).toBe(1);
    const line = expectOneLineError(run);
    expect(line).toContain(
      `${join(dir, 'train-images-idx3-ubyte.gz')} is a truncated or corrupt gzip file`,
    );
    expect(line).toContain(
      'Replace train-images-idx3-ubyte.gz with the official Fashion-MNIST file',
    );
  });

  it.skipIf(!realData)(
    'labels that disagree with the images: exit 1, both files named',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fmnist-mismatch-'));
      for (const name of FILES) {
        writeFileSync(join(dir, `${name}.gz`), readFileSync(join(SYSTEM_DIR, `${name}.gz`)));
      }
      // The test labels in place of the training labels: 10,000 labels for 60,000 images.
      writeFileSync(
        join(dir, 'train-labels-idx1-ubyte.gz'),
        readFileSync(join(SYSTEM_DIR, 't10k-labels-idx1-ubyte.gz')),
      );
      const run = await fmnist(['data', '--data-dir', dir]);
      expect(run.code).toBe(1);
      expect(expectOneLineError(run)).toMatch(
        /holds 60000 images but .*train-labels-idx1-ubyte\.gz holds 10000 labels/,
      );
    },
  );

  it('a data folder lacking files says which, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-empty-'));
    const run = await fmnist(['data'], { FASHION_MNIST_DIR: dir });
    expect(run.code).toBe(1);
    expect(expectOneLineError(run)).toContain(`missing from ${dir} (named by FASHION_MNIST_DIR)`);
  });

  it.each([
    [['data', '--limit', '0'], "option '--limit <n>' argument '0' is invalid"],
    [['data', '--epochs', '3'], "unknown option '--epochs'"],
    [['dta'], "unknown command 'dta'. Did you mean data?"],
  ])('fmnist %j: one line, exit 2', async (args, expected) => {
    const run = await fmnist(args);
    expect(run.code).toBe(2);
    expect(expectOneLineError(run)).toContain(expected);
  });

  it('--help lists only commands that exist, each from its own module', async () => {
    const run = await fmnist(['--help']);
    expect(run.code).toBe(0);
    const listed = [...run.stdout.matchAll(/^ {2}([a-z0-9-]+)(?: \[options\])? {2,}/gm)]
      .map((m) => m[1]!)
      .filter((name) => name !== 'help');
    expect(listed).toContain('data');
    const modules = readdirSync(fileURLToPath(new URL('../src/commands', import.meta.url)));
    for (const name of listed) expect(modules).toContain(`${name}.ts`);
  });

  it('--version is the version in the CLI package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const run = await fmnist(['--version']);
    expect(run.stdout).toBe(`${pkg.version}\n`);
  });

  it('`pnpm fmnist` builds silently when nothing is stale: no build banner above the output', () => {
    const script = fileURLToPath(new URL('../../../scripts/fmnist.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [script, '--version'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  }, 120_000);
});

describe('standard output that cannot be written', () => {
  it('a full device (/dev/full): one line on stderr, exit 1, no stack trace', () => {
    const run = spawnSync(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${MAIN}" data --json --limit 100 --out "$1" > /dev/full`,
        'sh',
        join(mkdtempSync(join(tmpdir(), 'fmnist-full-')), 'r'),
      ],
      { encoding: 'utf8', env: { ...process.env, FASHION_MNIST_DIR: SYSTEM_DIR } },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /fmnist: could not write the output to standard output \(no space left on the device it goes to\)\. Send it somewhere with room/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a reader that goes away (| head): ends quietly', () => {
    const run = spawnSync(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${MAIN}" data --json --limit 100 --out "$1" | head -c 10 > /dev/null`,
        'sh',
        join(mkdtempSync(join(tmpdir(), 'fmnist-pipe-')), 'r'),
      ],
      { encoding: 'utf8', env: { ...process.env, FASHION_MNIST_DIR: SYSTEM_DIR } },
    );
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });
});
