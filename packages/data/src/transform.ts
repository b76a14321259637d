/**
 * Scaling, crops and counts. The study compares what the top half of an image (rows 0-13)
 * and the bottom half (rows 14-27) say about its class; an experiment may ask for the left or
 * right half, or any rectangle. A crop is a window of rows and columns, half-open.
 */
import { CLASS_NAMES, type ClassName, NUM_CLASSES } from './classes.js';
import type { ImageSet } from './dataset.js';

/** The crops with a name: the whole image, and its four halves. */
export const CROPS = ['full', 'top', 'bottom', 'left', 'right'] as const;
export type NamedCrop = (typeof CROPS)[number];
/** A rectangle of the image: rows [r0, r1) and columns [c0, c1). */
export interface CropWindow {
  rows: [number, number];
  cols: [number, number];
}
/** Which part of each image a model sees. */
export type ImageCrop = NamedCrop | CropWindow;

/**
 * The window a crop keeps of a rows x cols image, half-open: top = rows 0-13, bottom = rows
 * 14-27, left = columns 0-13, right = columns 14-27 of a 28x28 image. Throws for a window that
 * is empty or reaches outside the image.
 */
export function cropWindow(crop: ImageCrop, rows: number, cols: number): CropWindow {
  const halfRows = Math.floor(rows / 2);
  const halfCols = Math.floor(cols / 2);
  if (typeof crop === 'object') {
    const [r0, r1] = crop.rows;
    const [c0, c1] = crop.cols;
    const inside = (a: number, b: number, n: number) =>
      Number.isInteger(a) && Number.isInteger(b) && a >= 0 && a < b && b <= n;
    if (!inside(r0, r1, rows) || !inside(c0, c1, cols)) {
      throw new RangeError(
        `crop rows [${r0}, ${r1}) cols [${c0}, ${c1}) is not a non-empty window of a ${rows}x${cols} image`,
      );
    }
    return { rows: [r0, r1], cols: [c0, c1] };
  }
  switch (crop) {
    case 'full':
      return { rows: [0, rows], cols: [0, cols] };
    case 'top':
      return { rows: [0, halfRows], cols: [0, cols] };
    case 'bottom':
      return { rows: [halfRows, rows], cols: [0, cols] };
    case 'left':
      return { rows: [0, rows], cols: [0, halfCols] };
    case 'right':
      return { rows: [0, rows], cols: [halfCols, cols] };
  }
}

/** The rows a crop keeps, [start, end): top = 0-13, bottom = 14-27 of a 28-row image. */
export function cropRows(
  crop: ImageCrop,
  rows: number,
  cols = rows,
): { start: number; end: number } {
  const [start, end] = cropWindow(crop, rows, cols).rows;
  return { start, end };
}

/** [count, rows, cols] of a set once cropped to a crop. */
export function cropShape(set: ImageSet, crop: ImageCrop): [number, number, number] {
  const { rows, cols } = cropWindow(crop, set.rows, set.cols);
  return [set.count, rows[1] - rows[0], cols[1] - cols[0]];
}

/** [rows, cols] of one image of a 28x28 set once cropped: a model's input shape. */
export function cropInputShape(crop: ImageCrop, rows = 28, cols = 28): [number, number] {
  const w = cropWindow(crop, rows, cols);
  return [w.rows[1] - w.rows[0], w.cols[1] - w.cols[0]];
}

/** One string per crop, for cache keys and file names: `top`, `rows-3-10-cols-0-28`. */
export function cropKey(crop: ImageCrop): string {
  return typeof crop === 'string'
    ? crop
    : `rows-${crop.rows[0]}-${crop.rows[1]}-cols-${crop.cols[0]}-${crop.cols[1]}`;
}

/**
 * A crop as a reader meets it: `top half (rows 0-13)`, `left half (columns 0-13)`, `window of rows 3-9,
 * columns 0-27`. Ranges are inclusive here, as people write them.
 */
export function describeCrop(crop: ImageCrop, rows = 28, cols = 28): string {
  const w = cropWindow(crop, rows, cols);
  const span = (r: [number, number]) => `${r[0]}-${r[1] - 1}`;
  switch (crop) {
    case 'full':
      return `whole image (${rows}x${cols})`;
    case 'top':
    case 'bottom':
      return `${crop} half (rows ${span(w.rows)})`;
    case 'left':
    case 'right':
      return `${crop} half (columns ${span(w.cols)})`;
    default:
      return `window of rows ${span(w.rows)}, columns ${span(w.cols)}`;
  }
}

/**
 * Calls `visit(imageIndex, offset, length, out)` for each row of each image's window: `length`
 * contiguous bytes from `offset`, to go to `out` in the cropped set. A full-width window is one
 * run per image.
 */
function eachRun(
  set: ImageSet,
  crop: ImageCrop,
  visit: (offset: number, length: number, out: number) => void,
): void {
  const { rows, cols } = cropWindow(crop, set.rows, set.cols);
  const imageBytes = set.rows * set.cols;
  const width = cols[1] - cols[0];
  const height = rows[1] - rows[0];
  if (width === set.cols) {
    const bandBytes = height * set.cols;
    for (let i = 0; i < set.count; i++)
      visit(i * imageBytes + rows[0] * set.cols, bandBytes, i * bandBytes);
    return;
  }
  let out = 0;
  for (let i = 0; i < set.count; i++) {
    for (let r = rows[0]; r < rows[1]; r++) {
      visit(i * imageBytes + r * set.cols + cols[0], width, out);
      out += width;
    }
  }
}

/** The set cropped to a crop, as uint8; `full` returns the set itself (no copy). */
export function crop(set: ImageSet, crop: ImageCrop): ImageSet {
  if (crop === 'full') return set;
  const [count, rows, cols] = cropShape(set, crop);
  const pixels = new Uint8Array(count * rows * cols);
  eachRun(set, crop, (offset, length, out) => {
    pixels.set(set.pixels.subarray(offset, offset + length), out);
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
  eachRun(set, crop, (offset, length, out) => {
    let o = out;
    const end = offset + length;
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

/**
 * Each crop's float features of the given splits, made on first use and kept, keyed by
 * `cropKey` (two equal windows share one entry): the one cache the CLI's workers, its
 * cross-check and the lab page make their features through.
 */
export function featureCache<S extends string>(
  sets: Readonly<Record<S, ImageSet>>,
): (crop: ImageCrop) => Record<S, Features> {
  const cache = new Map<string, Record<S, Features>>();
  return (crop) => {
    const key = cropKey(crop);
    let found = cache.get(key);
    if (!found) {
      const entries = (Object.entries(sets) as [S, ImageSet][]).map(
        ([split, set]) => [split, features(set, crop)] as const,
      );
      found = Object.fromEntries(entries) as Record<S, Features>;
      cache.set(key, found);
    }
    return found;
  };
}
