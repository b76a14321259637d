import { describe, expect, it } from 'vitest';
import { difference, kerasWeightNames, withinTolerance } from '../src/index.js';

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

describe('kerasWeightNames', () => {
  it('drops the bias of a Dense without one', () => {
    expect(
      kerasWeightNames({ type: 'dense', units: 3, activation: 'relu', useBias: false }),
    ).toEqual(['kernel']);
  });
});
