import { describe, expect, it } from 'vitest';
import { distributionOf, histogram, summaryLine } from '../src/lab/inspect.js';

describe('inside a layer: histograms and summaries', () => {
  it('puts every finite value in exactly one of equal bins, the maximum in the last', () => {
    const h = histogram([0, 0.1, 0.5, 0.99, 1, Number.NaN, Number.POSITIVE_INFINITY], 4);
    expect(h.min).toBe(0);
    expect(h.max).toBe(1);
    expect(h.counts).toEqual([2, 0, 1, 2]);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(5);
  });
  it('a constant array is one full bin; an empty one is all zeros', () => {
    expect(histogram([3, 3, 3], 3).counts).toEqual([3, 0, 0]);
    expect(histogram([], 3)).toEqual({ min: 0, max: 0, counts: [0, 0, 0] });
  });
  it('summarizes with the statistics explain prints, and the share of zeros', () => {
    const s = distributionOf(Float32Array.from([0, 0, 1, 3]), 2);
    expect(s.count).toBe(4);
    expect(s.stats.mean).toBe(1);
    expect(s.stats.fractionZero).toBe(0.5);
    expect(summaryLine(s.stats)).toBe(
      `mean 1.0000 · std ${s.stats.std.toFixed(4)} · min 0.0000 · max 3.0000 · 50.0% zero`,
    );
  });
});
