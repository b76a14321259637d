import { describe, expect, it } from 'vitest';
import {
  difference,
  earlyStoppingEpochs,
  kerasWeightNames,
  withinTolerance,
} from '../src/index.js';

describe('difference', () => {
  it('is normwise: the largest |a − b| against the largest magnitude', () => {
    const d = difference([1, -2, 1e-9], [1.5, -2, -1e-9]);
    expect(d).toEqual({ maxAbs: 0.5, maxRel: 0.25, scale: 2 });
    expect(withinTolerance(d, { abs: 0, rel: 0.25 })).toBe(true);
    expect(withinTolerance(d, { abs: 0, rel: 0.2 })).toBe(false);
  });

  it('fails loudly on NaN and on arrays of different lengths', () => {
    expect(difference([Number.NaN], [1]).maxAbs).toBe(Number.POSITIVE_INFINITY);
    expect(() => difference([1, 2], [1])).toThrow(/2 and 1 values/);
  });
});

describe('earlyStoppingEpochs', () => {
  it('restores the best epoch and stops after `patience` epochs without improvement', () => {
    expect(earlyStoppingEpochs([1, 0.8, 0.9, 0.85, 0.95, 0.7], 3)).toEqual({
      bestEpoch: 2,
      epochsRun: 5,
    });
    expect(earlyStoppingEpochs([1, 0.9, 0.8], 3)).toEqual({ bestEpoch: 3, epochsRun: 3 });
  });
});

describe('kerasWeightNames', () => {
  it('drops the bias of a Dense without one', () => {
    expect(
      kerasWeightNames({ type: 'dense', units: 3, activation: 'relu', useBias: false }),
    ).toEqual(['kernel']);
  });
});
