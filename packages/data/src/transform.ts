/**
 * Scaling, crops and counts. The study compares what the top half of an image (rows 0-13)
 * and the bottom half (rows 14-27) say about its class, so a crop is a band of rows.
 */
import { CLASS_NAMES, type ClassName, NUM_CLASSES } from './classes.js';
import type { ImageSet } from './dataset.js';

export const CROPS = ['full', 'top', 'bottom'] as const;
export type ImageCrop = (typeof CROPS)[number];

/** The rows a crop keeps, [start, end): top = 0-13, bottom = 14-27 of a 28-row image. */
export function cropRows(crop: ImageCrop, rows: number): { start: number; end: number } {
  const half = Math.floor(rows / 2);
  switch (crop) {
    case 'full':
      return { start: 0, end: rows };
    case 'top':
      return { start: 0, end: half };
    case 'bottom':
      return { start: half, end: rows };
  }
}

/** [count, rows, cols] of a set once cropped to a crop. */
export function cropShape(set: ImageSet, crop: ImageCrop): [number, number, number] {
  const { start, end } = cropRows(crop, set.rows);
  return [set.count, end - start, set.cols];
}

/**
 * Calls `visit(imageIndex, offset)` for each image's band of rows; a band is contiguous
 * (`(end - start) * cols` bytes from `offset`) even though the bands of all images are not.
 */
function eachBand(
  set: ImageSet,
  crop: ImageCrop,
  visit: (image: number, offset: number, bandBytes: number) => void,
): void {
  const { start, end } = cropRows(crop, set.rows);
  const imageBytes = set.rows * set.cols;
  const bandBytes = (end - start) * set.cols;
  for (let i = 0; i < set.count; i++) visit(i, i * imageBytes + start * set.cols, bandBytes);
}

/** The set cropped to a crop, as uint8; `full` returns the set itself (no copy). */
export function crop(set: ImageSet, crop: ImageCrop): ImageSet {
  if (crop === 'full') return set;
  const [count, rows, cols] = cropShape(set, crop);
  const pixels = new Uint8Array(count * rows * cols);
  eachBand(set, crop, (i, offset, bandBytes) => {
    pixels.set(set.pixels.subarray(offset, offset + bandBytes), i * bandBytes);
  });
  return { count, rows, cols, pixels, labels: set.labels };
}

/** v / 255 for every byte value, as float32, so scaling is a table look-up. */
const SCALED = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** Scales bytes into float32 in [0, 1] by dividing by 255. */
export function scale(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  const table = SCALED;
  for (let i = 0; i < pixels.length; i++) out[i] = table[pixels[i]!]!;
  return out;
}

export interface Features {
  /** count * rows * cols values in [0, 1]. */
  x: Float32Array;
  /** [count, rows, cols]. */
  shape: [number, number, number];
  /** The labels (a view of the set's). */
  y: Uint8Array;
}

/**
 * A crop, scaled to float32, in one pass (no uint8 copy in between): what a model is fed.
 * Each call makes a new array; keep the result rather than calling it per epoch.
 */
export function features(set: ImageSet, crop: ImageCrop): Features {
  const shape = cropShape(set, crop);
  const x = new Float32Array(shape[0] * shape[1] * shape[2]);
  // Hot loop (40 million pixels for the training split): locals only, no per-pixel calls.
  const src = set.pixels;
  const table = SCALED;
  eachBand(set, crop, (i, offset, bandBytes) => {
    let o = i * bandBytes;
    const end = offset + bandBytes;
    for (let j = offset; j < end; j++) x[o++] = table[src[j]!]!;
  });
  return { x, shape, y: set.labels };
}

export interface PixelRange {
  min: number;
  max: number;
}

/** Smallest and largest value; NaN for both when there are none. */
export function pixelRange(values: Uint8Array | Float32Array | readonly number[]): PixelRange {
  if (values.length === 0) return { min: Number.NaN, max: Number.NaN };
  // One loop per element type: a loop that sees both kinds of array runs several times slower.
  if (values instanceof Uint8Array) return byteRange(values);
  if (values instanceof Float32Array) return floatRange(values);
  return { min: Math.min(...values), max: Math.max(...values) };
}

function byteRange(values: Uint8Array): PixelRange {
  let min = 255;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function floatRange(values: Float32Array): PixelRange {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** How many labels of each class, indexed by label. */
export function classCounts(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** How many labels of each class, by class name, in label order. */
export function classDistribution(labels: ArrayLike<number>): Record<ClassName, number> {
  const counts = classCounts(labels);
  return Object.fromEntries(CLASS_NAMES.map((name, i) => [name, counts[i]!])) as Record<
    ClassName,
    number
  >;
}

/** The image at `index` of a set, as a view: rows * cols bytes. */
export function imageAt(set: ImageSet, index: number): Uint8Array {
  const size = set.rows * set.cols;
  return set.pixels.subarray(index * size, (index + 1) * size);
}
