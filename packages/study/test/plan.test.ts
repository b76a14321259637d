// The study's plan: which models a command trains, with the study's settings, defined once.
import { describe, expect, it } from 'vitest';
import { planJobs } from '../src/models.js';

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
    expect(jobs[1]!.crop).toBe('bottom');
    expect(jobs.slice(2).every((j) => j.crop === 'top' && j.optimizer.type === 'adam')).toBe(true);
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
