// `--seeds N` as a user runs it: the statistics in the JSON, the report section and its
// error-bar charts, the first seed being the plain run, and a bad count. Tiny runs only.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmnist } from './helpers.js';

const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
const realData = existsSync(join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));
const QUICK = ['--limit', '100', '--epochs', '1'];

interface Interval {
  n: number;
  mean: number;
  sd: number | null;
  ci: [number, number] | null;
  values: number[];
}

describe.skipIf(!realData)('fmnist part1 --seeds', () => {
  it('gives means, intervals, paired differences and McNemar per seed and pooled', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fmnist-seeds-')), 'report');
    const [seeded, plain] = [
      await fmnist(['part1', '--seeds', '2', ...QUICK, '--json', '--out', out]),
      await fmnist(['part1', ...QUICK, '--json', '--out', `${out}-plain`]),
    ];
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(plain.code, plain.stderr).toBe(0);
    expect(seeded.stderr).toMatch(/seeds 2 · 4\/4 models · 100%/);
    const doc = JSON.parse(seeded.stdout);
    const stats = doc.seeds;
    expect(stats.seeds).toHaveLength(2);
    expect(stats.seeds[0]).toBe(42);
    // The first seed is the plain run, model for model.
    const plainDoc = JSON.parse(plain.stdout);
    expect(doc.models.map((m: { test: { predictions: number[] } }) => m.test.predictions)).toEqual(
      plainDoc.models.map((m: { test: { predictions: number[] } }) => m.test.predictions),
    );
    expect(stats.models.map((m: { name: string }) => m.name)).toEqual(['top', 'bottom']);
    const accuracy: Interval = stats.models[0].accuracy;
    expect(accuracy.values[0]).toBe(doc.models[0].test.accuracy);
    expect(accuracy.n).toBe(2);
    expect(accuracy.ci![0]).toBeLessThanOrEqual(accuracy.mean);
    expect(stats.models[0].classes).toHaveLength(10);
    for (const key of ['precision', 'recall', 'f1']) {
      expect(stats.models[1].classes[3][key].values).toHaveLength(2);
    }
    expect(stats.perClass).toHaveLength(10);
    const first = stats.perClass[0];
    expect(first.f1.values).toHaveLength(2);
    expect(first.mcnemar.perSeed).toHaveLength(2);
    expect(first.mcnemar.pooled.b).toBe(first.mcnemar.perSeed[0].b + first.mcnemar.perSeed[1].b);
    expect(typeof first.mcnemar.pooledHolm).toBe('number');
    expect(stats.mcnemar.pooled.method).toMatch(/exact|chi-square/);
    expect(stats.accuracyDifference.df).toBe(1);
    // The part's observations are the ones that hold over seeds.
    expect(doc.observations).toEqual(stats.observations);
    expect(doc.run.command).toContain('--seeds 2');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Over 2 seeds: which conclusions hold');
    expect(md).toContain('Mantel');
    for (const f of ['seeds-part1-f1.svg', 'seeds-part1-f1-difference.svg']) {
      const svg = readFileSync(join(out, 'figures', f), 'utf8');
      expect(svg).toContain('<svg');
    }
  });

  it('stops every worker and says which seed failed when one fails', async () => {
    // headlessgl with no display: a valid name, so the run starts, and each worker (a child
    // process, for the GL mode) fails as it builds its backend.
    const run = await fmnist(['part1', '--seeds', '2', ...QUICK, '--json'], {
      FMNIST_BACKEND: 'gpujs:headlessgl',
      DISPLAY: '',
    });
    expect(run.code).toBe(1);
    // Both seeds fail; whichever worker reports first is named.
    expect(run.stderr).toMatch(/seed (42|3514110759): gpu\.js mode 'headlessgl' is unavailable/);
    expect(run.stdout).toBe('');
  });

  it('refuses an unknown backend before any worker starts', async () => {
    const run = await fmnist(['part1', '--seeds', '2', ...QUICK, '--json'], {
      FMNIST_BACKEND: 'bogus',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^fmnist: FMNIST_BACKEND=bogus is not a backend; [^\n]*\n$/);
    expect(run.stdout).toBe('');
  });

  it('refuses a count of 0 with a usage error', async () => {
    const run = await fmnist(['part1', '--seeds', '0', '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--seeds');
    expect(run.stdout).toBe('');
  });
});
