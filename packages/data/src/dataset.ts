/**
 * Loading and splitting. The pixels are kept once, as the uint8 bytes the files hold
 * (about 55 MB for all 70,000 images); splits are views into them, never copies. Float32
 * copies are made only on request, per crop (see transform.ts).
 */
import { DataError } from './errors.js';
import type { DatasetLocation } from './node/locate.js';

/** Images with their labels: `count` images of `rows` x `cols`, stored row after row. */
export interface ImageSet {
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols bytes, 0-255. */
  pixels: Uint8Array;
  /** count labels, 0-9. */
  labels: Uint8Array;
}

export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

export interface FashionMnist {
  train: ImageSet;
  validation: ImageSet;
  test: ImageSet;
  /** Where the files were read from. */
  location: DatasetLocation;
  /** The `limit` applied to the training split, if any. */
  limit: number | undefined;
}

/**
 * Images `start` (inclusive) to `end` (exclusive) of a set, as views (no copy).
 */
export function sliceSet(set: ImageSet, start: number, end: number): ImageSet {
  const size = set.rows * set.cols;
  return {
    count: end - start,
    rows: set.rows,
    cols: set.cols,
    pixels: set.pixels.subarray(start * size, end * size),
    labels: set.labels.subarray(start, end),
  };
}

/**
 * How many of `n` training-file images become validation: the last round(n / 6), which is
 * the official 10,000 of 60,000 and keeps the same 5:1 ratio for other sizes (test
 * fixtures, trimmed copies). For n = 1 to 2 that is none.
 */
export function validationCount(n: number): number {
  return Math.round(n / 6);
}

/** Training = the first n - validationCount(n) images, validation = the rest. */
export function splitTrainValidation(all: ImageSet): { train: ImageSet; validation: ImageSet } {
  const trainCount = all.count - validationCount(all.count);
  return {
    train: sliceSet(all, 0, trainCount),
    validation: sliceSet(all, trainCount, all.count),
  };
}

/** Checks a `limit`: a positive integer, or undefined for none. */
export function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new DataError(
      'invalid-option',
      `The limit ${limit} is not a positive whole number of training images`,
      'Give a limit of 1 or more, or none to use all 50,000.',
    );
  }
  return limit;
}
