/** Summaries of arrays for the explanation: statistics, a few values, and number formatting. */
import type { Rng } from '@fmnist/core';

/** Summary statistics of every entry of an array (population standard deviation). */
export interface Stats {
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Share of entries that are exactly 0: ReLU's closed units, dropout's dropped ones. */
  fractionZero: number;
}

export function stats(values: ArrayLike<number>): Stats {
  const n = values.length;
  if (n === 0) return { min: 0, max: 0, mean: 0, std: 0, fractionZero: 0 };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    if (v === 0) zeros++;
  }
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i]! - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(squares / n), fractionZero: zeros / n };
}

/** A few consecutive entries of one row, to show actual numbers. */
export interface ValuesSample {
  row: number;
  /** Index of the first entry shown within the row. */
  start: number;
  values: number[];
}

/**
 * `count` entries of row `row`, starting at its first non-zero entry (an image row starts with
 * black background pixels, which say nothing), or at 0 when the row is all zeros.
 */
export function sampleRow(
  values: ArrayLike<number>,
  width: number,
  row = 0,
  count = 6,
): ValuesSample {
  const offset = row * width;
  let start = 0;
  while (start < width && values[offset + start] === 0) start++;
  if (start >= width) start = 0;
  start = Math.max(0, Math.min(start, width - count));
  const out: number[] = [];
  for (let j = start; j < Math.min(width, start + count); j++) out.push(values[offset + j]!);
  return { row, start, values: out };
}

/** The same positions as `sample`, read from another engine's array of the same shape. */
export function sameEntries(
  values: ArrayLike<number>,
  width: number,
  sample: ValuesSample,
): number[] {
  return sample.values.map((_, k) => values[sample.row * width + sample.start + k]!);
}

/**
 * Which entries of a weight to check: the one with the largest |gradient| (the entry the
 * update moves most), then seeded random ones among those whose gradient is not negligible
 * (most first-layer kernel rows see only black pixels in a batch, and their gradient is
 * exactly 0, which a finite difference confirms without teaching anything).
 */
export function pickEntries(
  grad: ArrayLike<number>,
  count: number,
  rng: Rng,
  negligible: number,
): number[] {
  if (grad.length === 0 || count <= 0) return [];
  let largest = 0;
  for (let i = 1; i < grad.length; i++)
    if (Math.abs(grad[i]!) > Math.abs(grad[largest]!)) largest = i;
  const picked = [largest];
  const candidates: number[] = [];
  for (let i = 0; i < grad.length; i++) {
    if (i !== largest && Math.abs(grad[i]!) > negligible) candidates.push(i);
  }
  const pool =
    candidates.length >= count - 1
      ? candidates
      : Array.from({ length: grad.length }, (_, i) => i).filter((i) => i !== largest);
  while (picked.length < Math.min(count, grad.length) && pool.length > 0) {
    const k = rng.int(pool.length);
    picked.push(pool[k]!);
    pool.splice(k, 1);
  }
  return picked;
}

/** A flat index as its position in an array of `shape`, e.g. 1234 in [392, 128] -> [9, 82]. */
export function unflatten(index: number, shape: readonly number[]): number[] {
  const out: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return out;
}
