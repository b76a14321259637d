/**
 * Statistics for repeated runs: how much a figure moves from seed to seed, and which
 * differences between two models are larger than that movement.
 *
 * - `summarize`: mean, standard deviation (n - 1) and a Student t confidence interval of the
 *   mean over seeds (t quantile with n - 1 degrees of freedom).
 * - `pairedDifference`: the same for the per-seed differences of two models trained with the
 *   same seed, plus the paired t test. Pairing removes what the seed does to both models alike.
 * - `mcnemar`: McNemar's test on the paired predictions of two models on the same test images
 *   (only the discordant images count), with the continuity correction as standard, and the
 *   exact binomial version used when the discordant count is small.
 * - `holm`: Holm's step-down adjustment of p-values for a family of tests.
 *
 * The distributions (t, chi-square, binomial) come from stdlib, not hand-written code.
 */
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantileStdlib from '@stdlib/stats-base-dists-t-quantile';
import { ReportInputError } from './errors.js';

/** The level of every interval here unless told otherwise. */
export const DEFAULT_LEVEL = 0.95;

/**
 * Below this many discordant pairs McNemar's chi-square approximation is poor, and the exact
 * binomial test is used instead (the usual rule of thumb, e.g. b + c < 25).
 */
export const EXACT_BELOW = 25;

/** The p quantile of Student's t with `df` degrees of freedom, e.g. t(0.975, 4) = 2.776. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) {
    throw new ReportInputError(`tQuantile: needs 0 < p < 1 and df > 0, got p ${p}, df ${df}.`);
  }
  return tQuantileStdlib(p, df);
}

/** P(X > x) for chi-square with `df` degrees of freedom, e.g. 3.841 on 1 df -> 0.05. */
export function chiSquareSurvival(x: number, df: number): number {
  return x <= 0 ? 1 : 1 - chisquareCdf(x, df);
}

/** Two-sided p of a t statistic with `df` degrees of freedom. */
export function tTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

export interface Summary {
  /** How many values (seeds). */
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); null for a single value. */
  sd: number | null;
  /** The t interval of the mean at `level`; null for a single value (no spread to measure). */
  ci: [number, number] | null;
  level: number;
}

function checkValues(what: string, values: readonly number[]): void {
  if (values.length === 0) throw new ReportInputError(`${what}: no values; pass one per seed.`);
  if (values.some((v) => !Number.isFinite(v))) {
    throw new ReportInputError(`${what}: a value is not a finite number (${values.join(', ')}).`);
  }
}

/** Mean, standard deviation and the t interval of the mean: mean ± t(1-α/2, n-1) · sd/√n. */
export function summarize(values: readonly number[], level = DEFAULT_LEVEL): Summary {
  checkValues('summarize', values);
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: null, ci: null, level };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, ci: [mean - half, mean + half], level };
}

/** Whether an interval lies wholly on one side of zero (a real difference at its level). */
export function excludesZero(ci: readonly [number, number] | null): boolean {
  return ci !== null && (ci[0] > 0 || ci[1] < 0);
}

export interface PairedDifference extends Summary {
  /** Paired t statistic, mean / (sd / √n); null for a single pair. */
  t: number | null;
  df: number;
  /** Two-sided p of the paired t test; null for a single pair. */
  p: number | null;
}

/**
 * a[i] - b[i] over seeds, summarised, with the paired t test of "no difference". When every
 * pair differs by the same amount the spread is zero: t is infinite (p 0) unless that amount
 * is zero (t 0, p 1).
 */
export function pairedDifference(
  a: readonly number[],
  b: readonly number[],
  level = DEFAULT_LEVEL,
): PairedDifference {
  if (a.length !== b.length) {
    throw new ReportInputError(
      `pairedDifference: ${a.length} values against ${b.length}; pass one pair per seed.`,
    );
  }
  const summary = summarize(
    a.map((v, i) => v - b[i]!),
    level,
  );
  const df = summary.n - 1;
  if (summary.sd === null) return { ...summary, t: null, df, p: null };
  const t =
    summary.sd === 0
      ? summary.mean === 0
        ? 0
        : Math.sign(summary.mean) * Number.POSITIVE_INFINITY
      : summary.mean / (summary.sd / Math.sqrt(summary.n));
  return { ...summary, t, df, p: tTwoSidedP(t, df) };
}

export interface McNemarResult {
  /** Images the first model gets right and the second wrong. */
  b: number;
  /** Images the first model gets wrong and the second right. */
  c: number;
  /** (|b - c| - 1)² / (b + c), chi-square on 1 df (continuity corrected); null when b + c = 0. */
  statistic: number | null;
  /** p of the corrected chi-square statistic. */
  pChiSquare: number;
  /** Exact two-sided binomial p: 2 · P(X ≤ min(b, c)), X ~ Binomial(b + c, 1/2), capped at 1. */
  pExact: number;
  /** Which of the two `p` is: exact below EXACT_BELOW discordant pairs, else chi-square. */
  method: 'exact' | 'chi-square';
  p: number;
}

/** McNemar's test from the two discordant counts. */
export function mcnemar(b: number, c: number): McNemarResult {
  if (![b, c].every((x) => Number.isInteger(x) && x >= 0)) {
    throw new ReportInputError(
      `mcnemar: counts must be whole numbers of 0 or more, got ${b}, ${c}.`,
    );
  }
  const n = b + c;
  if (n === 0) {
    // No image on which the two disagree: nothing tells them apart.
    return { b, c, statistic: null, pChiSquare: 1, pExact: 1, method: 'exact', p: 1 };
  }
  const statistic = Math.max(0, Math.abs(b - c) - 1) ** 2 / n;
  const pChiSquare = chiSquareSurvival(statistic, 1);
  const pExact = Math.min(1, 2 * binomialCdf(Math.min(b, c), n, 0.5));
  const method = n < EXACT_BELOW ? 'exact' : 'chi-square';
  return {
    b,
    c,
    statistic,
    pChiSquare,
    pExact,
    method,
    p: method === 'exact' ? pExact : pChiSquare,
  };
}

/** The discordant counts of two models' predictions against the true labels. */
export function discordantCounts(
  labels: ArrayLike<number>,
  a: ArrayLike<number>,
  bPredictions: ArrayLike<number>,
  include: (index: number) => boolean = () => true,
): { b: number; c: number } {
  if (a.length !== labels.length || bPredictions.length !== labels.length) {
    throw new ReportInputError(
      `discordantCounts: ${labels.length} labels, ${a.length} and ${bPredictions.length} predictions; pass one prediction per test image for both models.`,
    );
  }
  let b = 0;
  let c = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!include(i)) continue;
    const aRight = a[i] === labels[i];
    const bRight = bPredictions[i] === labels[i];
    if (aRight && !bRight) b++;
    else if (!aRight && bRight) c++;
  }
  return { b, c };
}

export interface PooledMcNemar {
  /** One test per seed, in seed order. */
  perSeed: McNemarResult[];
  /** One test on the discordant counts summed over seeds. */
  pooled: McNemarResult;
}

/**
 * McNemar per seed and pooled. Pooling sums the discordant counts over seeds and tests the
 * sums: this is the Mantel-Haenszel (CMH) test for matched pairs stratified by seed, which
 * for 1:1 pairs reduces to McNemar on the summed table. It weights each seed by how many
 * images it has in dispute, keeps the direction of the difference (a Fisher combination of
 * two-sided p-values would not: seeds disagreeing in direction would add up as evidence),
 * and falls back to the exact binomial test as the per-seed one does. Caveat: every seed uses
 * the same test images, so pooled pairs are not independent across seeds and the pooled p is
 * optimistic about seed-to-seed variation; the t intervals over seeds measure that variation.
 */
export function pooledMcNemar(counts: readonly { b: number; c: number }[]): PooledMcNemar {
  if (counts.length === 0)
    throw new ReportInputError('pooledMcNemar: no seeds; pass one count per seed.');
  const perSeed = counts.map(({ b, c }) => mcnemar(b, c));
  const b = counts.reduce((s, x) => s + x.b, 0);
  const c = counts.reduce((s, x) => s + x.c, 0);
  return { perSeed, pooled: mcnemar(b, c) };
}

/**
 * Holm's step-down adjustment: sort ascending, multiply the i-th smallest (0-based) by m - i,
 * keep the running maximum, cap at 1; returned in the input's order. Controls the chance of
 * any false positive in the family at α without Bonferroni's loss of power.
 */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/** A p-value as text: 3 significant digits, "< 1e-15" where double precision runs out. */
export function formatP(p: number): string {
  if (Number.isNaN(p)) return 'n/a';
  if (p < 1e-15) return '< 1e-15';
  if (p < 0.001) return p.toExponential(2);
  return p.toFixed(p < 0.01 ? 4 : 3);
}
