import { describe, expect, it } from 'vitest';
import { ReportInputError } from '../src/errors.js';
import {
  chiSquareSurvival,
  discordantCounts,
  excludesZero,
  formatP,
  holm,
  mcnemar,
  pairedDifference,
  pooledMcNemar,
  summarize,
  tQuantile,
  tTwoSidedP,
} from '../src/stats.js';

describe('distributions against textbook tables', () => {
  it('Student t quantiles (t table, two-sided 95%)', () => {
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.776, 3);
    expect(tQuantile(0.975, 2)).toBeCloseTo(4.303, 3);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.262, 3);
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(tQuantile(0.995, 10)).toBeCloseTo(3.169, 3);
    expect(() => tQuantile(1, 3)).toThrow(ReportInputError);
  });

  it('chi-square survival: the 5% and 1% critical values on 1 df', () => {
    expect(chiSquareSurvival(3.841, 1)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(6.635, 1)).toBeCloseTo(0.01, 4);
    expect(chiSquareSurvival(0, 1)).toBe(1);
  });

  it('two-sided t p-values', () => {
    expect(tTwoSidedP(2.776, 4)).toBeCloseTo(0.05, 4);
    expect(tTwoSidedP(-2.262, 9)).toBeCloseTo(0.05, 4);
    expect(tTwoSidedP(Number.POSITIVE_INFINITY, 3)).toBe(0);
  });
});

describe('summarize', () => {
  it('mean, sd (n - 1) and the t interval', () => {
    const s = summarize([1, 2, 3, 4, 5]);
    expect(s.mean).toBe(3);
    expect(s.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    // 3 ± 2.776 · 1.5811 / √5
    expect(s.ci![0]).toBeCloseTo(3 - 2.776445 * (Math.sqrt(2.5) / Math.sqrt(5)), 5);
    expect(s.ci![1]).toBeCloseTo(3 + 2.776445 * (Math.sqrt(2.5) / Math.sqrt(5)), 5);
    expect(s.level).toBe(0.95);
  });

  it('a single value has a mean but no spread and no interval', () => {
    expect(summarize([0.8])).toEqual({ n: 1, mean: 0.8, sd: null, ci: null, level: 0.95 });
  });

  it('refuses no values and non-finite ones', () => {
    expect(() => summarize([])).toThrow(ReportInputError);
    expect(() => summarize([1, Number.NaN])).toThrow(/finite/);
  });

  it('excludesZero', () => {
    expect(excludesZero([0.1, 0.2])).toBe(true);
    expect(excludesZero([-0.2, -0.1])).toBe(true);
    expect(excludesZero([-0.1, 0.2])).toBe(false);
    expect(excludesZero(null)).toBe(false);
  });
});

describe('pairedDifference', () => {
  it("Student's sleep data (Cushny and Peebles): t = -4.0621, df 9, p = 0.002833", () => {
    // R: t.test(extra ~ group, data = sleep, paired = TRUE)
    const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const d = pairedDifference(drug1, drug2);
    expect(d.mean).toBeCloseTo(-1.58, 10);
    expect(d.t).toBeCloseTo(-4.0621, 4);
    expect(d.df).toBe(9);
    expect(d.p).toBeCloseTo(0.002833, 6);
    expect(d.ci![0]).toBeCloseTo(-2.4598858, 6);
    expect(d.ci![1]).toBeCloseTo(-0.7001142, 6);
  });

  it('equal differences: no spread, t infinite unless the difference is zero', () => {
    expect(pairedDifference([2, 3], [1, 2])).toMatchObject({ t: Number.POSITIVE_INFINITY, p: 0 });
    expect(pairedDifference([2, 3], [2, 3])).toMatchObject({ t: 0, p: 1 });
    expect(pairedDifference([2], [1])).toMatchObject({ t: null, p: null, ci: null });
    expect(() => pairedDifference([1, 2], [1])).toThrow(/one pair per seed/);
  });
});

describe('mcnemar', () => {
  it("Agresti's presidential approval (R's mcnemar.test example): 16.818, p = 4.115e-05", () => {
    // 1st survey approve / 2nd disapprove 150, the reverse 86 (Agresti 1990, p. 350).
    const r = mcnemar(150, 86);
    expect(r.statistic).toBeCloseTo(16.818, 3);
    expect(r.pChiSquare).toBeCloseTo(4.115e-5, 8);
    expect(r.method).toBe('chi-square');
    expect(r.p).toBe(r.pChiSquare);
  });

  it('the drug example (b = 121, c = 59): Yates-corrected 20.672, p = 0.000005', () => {
    const r = mcnemar(121, 59);
    expect(r.statistic).toBeCloseTo(20.672222, 6);
    expect(r.p).toBeCloseTo(0.000005, 6);
  });

  it('exact binomial below 25 discordant pairs: b = 2, c = 9 gives 2 · 67/2048', () => {
    const r = mcnemar(2, 9);
    expect(r.method).toBe('exact');
    expect(r.pExact).toBeCloseTo((2 * 67) / 2048, 12);
    expect(r.p).toBe(r.pExact);
    // b = c: p capped at 1.
    expect(mcnemar(5, 5).pExact).toBe(1);
    expect(mcnemar(0, 0)).toMatchObject({ statistic: null, p: 1 });
    expect(() => mcnemar(-1, 2)).toThrow(ReportInputError);
  });

  it('counts discordant pairs against the labels, optionally within a subset', () => {
    const labels = [0, 1, 2, 3, 4, 5];
    const a = [0, 1, 2, 0, 0, 5];
    const b = [0, 0, 0, 3, 0, 5];
    expect(discordantCounts(labels, a, b)).toEqual({ b: 2, c: 1 });
    expect(discordantCounts(labels, a, b, (i) => labels[i] === 1)).toEqual({ b: 1, c: 0 });
    expect(() => discordantCounts(labels, a, b.slice(1))).toThrow(/one prediction per test image/);
  });

  it('pools by summing the discordant counts over seeds', () => {
    const r = pooledMcNemar([
      { b: 10, c: 4 },
      { b: 8, c: 3 },
      { b: 12, c: 5 },
    ]);
    expect(r.perSeed.map((s) => s.method)).toEqual(['exact', 'exact', 'exact']);
    expect(r.pooled).toEqual(mcnemar(30, 12));
    expect(r.pooled.method).toBe('chi-square');
    expect(() => pooledMcNemar([])).toThrow(ReportInputError);
  });
});

describe('holm', () => {
  it("matches R's p.adjust(c(0.01, 0.04, 0.03, 0.005), 'holm')", () => {
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    for (const [i, p] of [0.03, 0.06, 0.06, 0.02].entries()) expect(adjusted[i]).toBeCloseTo(p, 12);
  });

  it('caps at 1 and keeps the step-down order monotone', () => {
    expect(holm([0.5, 0.6])).toEqual([1, 1]);
    expect(holm([])).toEqual([]);
  });
});

describe('formatP', () => {
  it('keeps three significant digits and says where double precision runs out', () => {
    expect(formatP(0.1234)).toBe('0.123');
    expect(formatP(0.004321)).toBe('0.0043');
    expect(formatP(4.116e-5)).toBe('4.12e-5');
    expect(formatP(0)).toBe('< 1e-15');
  });
});
