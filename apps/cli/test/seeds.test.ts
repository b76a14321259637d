// --seeds without training: the seeds it derives, how the work is scheduled, the statistics
// over seeds on made-up results whose answer is known, the report's tables, the progress line.

import {
  deriveSeeds,
  type ModelResult,
  modelResult,
  part1Seeds,
  part2Seeds,
  planJobs,
  type TrainedModel,
} from '@fmnist/study';
import { part1DifferenceTable, part2VersusBaseTable } from '@fmnist/study/report';
import { describe, expect, it } from 'vitest';
import { scheduleUnits, unitsOf } from '../src/runtime/lanes.js';
import { SeedsProgress } from '../src/seeds/progress.js';
import { memoryIo } from './helpers.js';

describe('deriveSeeds', () => {
  it('starts with --seed, is deterministic, and gives distinct 32-bit seeds', () => {
    const seeds = deriveSeeds(42, 8);
    expect(seeds[0]).toBe(42);
    expect(deriveSeeds(42, 8)).toEqual(seeds);
    expect(deriveSeeds(42, 3)).toEqual(seeds.slice(0, 3));
    expect(new Set(seeds).size).toBe(8);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
    expect(deriveSeeds(43, 8)).not.toEqual(seeds);
    expect(deriveSeeds(0, 1)).toEqual([0]);
    expect(() => deriveSeeds(1, 0)).toThrow(RangeError);
  });
});

describe('scheduling', () => {
  const jobs = planJobs(['part1', 'part2'], {});

  it("gives every model its own unit, Part 1's bottom too (its reset weights are the seed's draw); early-stopping rides on base's run", () => {
    const units = unitsOf(7, jobs);
    expect(units.map((u) => u.jobs.map((j) => j.name))).toEqual([
      ['top'],
      ['bottom'],
      ['base', 'early-stopping'],
      ['batch-norm'],
      ['dropout'],
    ]);
    expect(units.map((u) => u.cost)).toEqual([10, 10, 15, 15, 15]);
    // 65 planned epochs of training instead of 80 (early-stopping's own 15 are base's first).
    expect(units.reduce((n, u) => n + u.cost, 0)).toBe(65);
  });

  it('takes the longest units first, in seed order among equals', () => {
    const queue = scheduleUnits([1, 2], jobs);
    expect(queue.map((u) => `${u.seed}:${u.jobs[0]!.name}`)).toEqual([
      '1:base',
      '1:batch-norm',
      '1:dropout',
      '2:base',
      '2:batch-norm',
      '2:dropout',
      '1:top',
      '1:bottom',
      '2:top',
      '2:bottom',
    ]);
  });
});

// -----------------------------------------------------------------------------------------
// Made-up results: 1,000 test images, 100 per class; predictions right with a chosen
// probability per class (a seeded generator), wrong ones moved to the next class.

const LABELS = Array.from({ length: 1000 }, (_, i) => i % 10);

function lcg(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function predictions(seed: number, rightRate: (label: number) => number): Int32Array {
  const random = lcg(seed);
  return Int32Array.from(LABELS, (y) => (random() < rightRate(y) ? y : (y + 1) % 10));
}

function fake(
  name: TrainedModel['name'],
  part: TrainedModel['part'],
  preds: Int32Array,
): ModelResult {
  const model: TrainedModel = {
    name,
    part,
    crop: name === 'bottom' ? 'bottom' : 'top',
    engine: 'custom',
    backend: 'js',
    params: { total: 1, trainable: 1, nonTrainable: 0 },
    summary: '',
    history: [
      { loss: 1, accuracy: 0.5, val_loss: 1, val_accuracy: 0.5 },
      { loss: 0.8, accuracy: 0.6, val_loss: 0.9, val_accuracy: 0.55 },
    ],
    epochsRun: 2,
    epochsPlanned: 2,
    bestEpoch: 2,
    stoppedEarly: false,
    restoredEpoch: null,
    initialWeightsSha256: 'x',
    seconds: 1,
    epochSeconds: [1],
    predictions: preds,
    confidence: new Float32Array(preds.length).fill(0.5),
    weights: [],
  };
  return modelResult(model, LABELS);
}

describe('Part 1 over seeds', () => {
  const seeds = [11, 22, 33, 44, 55];
  // Top is far better on Trouser (label 1) and alike elsewhere.
  const runs = seeds.map((s) => [
    fake(
      'top',
      'part1',
      predictions(s, (y) => (y === 1 ? 0.95 : 0.8)),
    ),
    fake(
      'bottom',
      'part1',
      predictions(s + 1000, (y) => (y === 1 ? 0.55 : 0.8)),
    ),
  ]);
  const result = part1Seeds(seeds, runs, LABELS);

  it('summarises each model over seeds with t intervals', () => {
    expect(result.models.map((m) => m.name)).toEqual(['top', 'bottom']);
    const top = result.models[0]!;
    expect(top.accuracy.values).toEqual(runs.map((r) => r[0]!.test.accuracy));
    expect(top.accuracy.n).toBe(5);
    expect(top.accuracy.ci![0]).toBeLessThan(top.accuracy.mean);
    expect(top.classes).toHaveLength(10);
    expect(top.classes[1]!.class).toBe('Trouser');
  });

  it('finds the Trouser difference real, pairs by seed, and tests it with McNemar', () => {
    const trouser = result.perClass!.find((d) => d.class === 'Trouser')!;
    expect(trouser.significant).toBe(true);
    expect(trouser.f1.mean).toBeGreaterThan(0);
    expect(trouser.f1.values).toEqual(
      runs.map((r) => r[0]!.test.classes[1]!.f1 - r[1]!.test.classes[1]!.f1),
    );
    // Recall 0.95 vs 0.55 on 100 images per seed: many more top-right, bottom-wrong images.
    expect(trouser.mcnemar.perSeed).toHaveLength(5);
    expect(trouser.mcnemar.pooled.b).toBe(trouser.mcnemar.perSeed.reduce((s, t) => s + t.b, 0));
    expect(trouser.mcnemar.pooled.b).toBeGreaterThan(trouser.mcnemar.pooled.c * 3);
    expect(trouser.mcnemar.pooledHolm!).toBeLessThan(0.001);
    expect(result.mcnemar!.pooled.b).toBeGreaterThan(result.mcnemar!.pooled.c);
  });

  it('describes only the differences whose interval excludes zero, and says so', () => {
    const texts = result.observations.map((o) => o.text);
    expect(texts.some((t) => t.includes('Only differences whose 95% interval'))).toBe(true);
    const described = result.observations.filter((o) => typeof o.facts.f1Lower === 'number');
    for (const o of described) {
      const [lower, upper] = [o.facts.f1Lower as number, o.facts.f1Upper as number];
      expect(lower > 0 || upper < 0).toBe(true);
    }
    expect(described.map((o) => o.facts.class)).toContain('Trouser');
    const significant = result.perClass!.filter((d) => d.significant).map((d) => d.class);
    expect(described.map((o) => o.facts.class).sort()).toEqual([...significant].sort());
    expect(result.method.join(' ')).toContain('Mantel');
  });

  it('marks the real differences in the table', () => {
    const table = part1DifferenceTable(result)!;
    const trouser = table.rows.find((r) => r[0]!.text === 'Trouser')!;
    expect(trouser[0]!.highlight).toBe(true);
    expect(table.highlightNote).toContain('excludes zero');
  });

  it('leaves the comparison out when one of the two models is missing', () => {
    const alone = part1Seeds(
      seeds,
      runs.map((r) => [r[0]!]),
      LABELS,
    );
    expect(alone.perClass).toBeNull();
    expect(alone.models).toHaveLength(1);
  });
});

describe('Part 2 over seeds', () => {
  const seeds = [1, 2, 3, 4];
  const rates: Record<string, number> = {
    base: 0.8,
    'early-stopping': 0.8,
    'batch-norm': 0.81,
    dropout: 0.6,
  };
  const runs = seeds.map((s) =>
    (['base', 'early-stopping', 'batch-norm', 'dropout'] as const).map((name, k) =>
      fake(
        name,
        'part2',
        predictions(s * 10 + k, () => rates[name]!),
      ),
    ),
  );
  const result = part2Seeds(seeds, runs, LABELS);

  it('compares each model with base, paired by seed, with Holm over the three', () => {
    expect(result.versusBase.map((v) => v.name)).toEqual([
      'early-stopping',
      'batch-norm',
      'dropout',
    ]);
    const dropout = result.versusBase.find((v) => v.name === 'dropout')!;
    expect(dropout.significant).toBe(true);
    expect(dropout.accuracyDifference.mean).toBeLessThan(-0.1);
    expect(dropout.pHolm!).toBeGreaterThanOrEqual(dropout.accuracyDifference.p!);
    expect(dropout.mcnemar.pooled.c).toBeGreaterThan(dropout.mcnemar.pooled.b);
    expect(result.observations.some((o) => o.facts.model === 'dropout')).toBe(true);
    expect(result.method.join(' ')).toContain('Holm');
    expect(part2VersusBaseTable(result)!.rows).toHaveLength(3);
  });
});

describe('SeedsProgress', () => {
  it('writes one status line per finished model when stderr is not a terminal', () => {
    const { io, stderr } = memoryIo();
    const progress = new SeedsProgress(io, { seeds: 2, models: 2, epochs: 4 });
    progress.modelBegin(42, 'top', 2);
    const info = {
      epoch: 0,
      epochs: 2,
      step: 10,
      steps: 10,
      elapsedSeconds: 1,
      secondsPerStep: 0.1,
      logs: {},
    };
    progress.epochEnd(42, 'top', info);
    progress.modelEnd(42, { name: 'top', epochsPlanned: 2, epochsRun: 1 } as TrainedModel);
    const lines = stderr().trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^seeds 2 · 1\/2 models · 50% · /);
    expect(stderr()).not.toContain('\r');
  });
});
