// The study's plan (which models a command trains), the lanes they are split into, and the
// small helpers of the training commands.
import { describe, expect, it } from 'vitest';
import { weightsFingerprint } from '../src/study/fingerprint.js';
import { planJobs } from '../src/study/plan.js';
import { formatElapsed } from '../src/study/progress.js';
import { splitLanes } from '../src/study/run.js';

describe('planJobs', () => {
  it('lists the six models in SPEC order with the study settings', () => {
    const jobs = planJobs(['part1', 'part2'], {});
    expect(jobs.map((j) => j.name)).toEqual([
      'top',
      'bottom',
      'base',
      'early-stopping',
      'batch-norm',
      'dropout',
    ]);
    expect(jobs.map((j) => j.epochs)).toEqual([10, 10, 15, 15, 15, 15]);
    expect(jobs.every((j) => j.batchSize === 32)).toBe(true);
    expect(jobs[0]!.optimizer).toEqual({ type: 'sgd', learningRate: 1e-4 });
    expect(jobs[1]!.resetFrom).toBe('top');
    expect(jobs[1]!.variant).toBe('bottom');
    expect(jobs.slice(2).every((j) => j.variant === 'top' && j.optimizer.type === 'adam')).toBe(
      true,
    );
    expect(jobs[3]!.earlyStopping).toEqual({ patience: 3 });
  });

  it('--epochs overrides every model; --model keeps one (a lone bottom has no reset)', () => {
    expect(planJobs(['part2'], { epochs: 2 }).map((j) => j.epochs)).toEqual([2, 2, 2, 2]);
    const [bottom] = planJobs(['part1'], { model: 'bottom' });
    expect(bottom!.name).toBe('bottom');
    expect(bottom!.resetFrom).toBeUndefined();
    expect(() => planJobs(['part1'], { model: 'base' })).toThrow(/Use one of: top, bottom/);
  });
});

describe('splitLanes', () => {
  it('balances planned epochs and keeps bottom with top', () => {
    const lanes = splitLanes(planJobs(['part1', 'part2'], {}), 2);
    expect(lanes).toHaveLength(2);
    const withTop = lanes.find((l) => l.some((j) => j.name === 'top'))!;
    expect(withTop.map((j) => j.name).slice(0, 2)).toEqual(['top', 'bottom']);
    const epochs = lanes.map((l) => l.reduce((s, j) => s + j.epochs, 0));
    expect(Math.abs(epochs[0]! - epochs[1]!)).toBeLessThanOrEqual(15);
    expect(lanes.flat()).toHaveLength(6);
  });

  it('one lane keeps the plan order', () => {
    const jobs = planJobs(['part2'], {});
    expect(splitLanes(jobs, 1)[0]!.map((j) => j.name)).toEqual(jobs.map((j) => j.name));
  });
});

describe('helpers', () => {
  it('formatElapsed', () => {
    expect(formatElapsed(12.34)).toBe('12.3s');
    expect(formatElapsed(83.4)).toBe('1m 23s');
    expect(formatElapsed(3725)).toBe('1h 2m 5s');
  });

  it('weightsFingerprint tells equal weights from different ones', () => {
    const a = [Float32Array.of(1, 2, 3), Float32Array.of(0.5)];
    expect(weightsFingerprint(a)).toBe(
      weightsFingerprint([Float32Array.of(1, 2, 3), Float32Array.of(0.5)]),
    );
    expect(weightsFingerprint(a)).not.toBe(
      weightsFingerprint([Float32Array.of(1, 2, 3), Float32Array.of(0.25)]),
    );
  });
});
