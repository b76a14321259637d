/**
 * The figures of Part 1's steps 1-4 as plain data (JSON-able): what `fmnist data` prints
 * and what `--json` and the report carry.
 */
import { CLASS_NAMES, type ClassName } from './classes.js';
import { type FashionMnist, SPLIT_NAMES, type SplitName } from './dataset.js';
import type { DataSourceKind } from './node/locate.js';
import { classDistribution, crop, features, type PixelRange, pixelRange } from './transform.js';

export interface SplitShape {
  /** Shape of the images, [count, rows, cols]. */
  x: number[];
  /** Shape of the labels, [count]. */
  y: number[];
}

export type PerSplit<T> = Record<SplitName, T>;

export interface DataSummary {
  source: { dir: string; from: DataSourceKind };
  /** The limit applied to the training split, or null. */
  limit: number | null;
  classNames: string[];
  shapes: PerSplit<SplitShape>;
  classDistribution: PerSplit<Record<ClassName, number>>;
  /** Before: the uint8 bytes; after: the float32 values divided by 255. */
  pixelRange: { before: PerSplit<PixelRange>; after: PerSplit<PixelRange> };
  /** The shapes of the top and bottom crops of each split. */
  crops: Record<'top' | 'bottom', PerSplit<SplitShape>>;
}

function perSplit<T>(make: (split: SplitName) => T): PerSplit<T> {
  return Object.fromEntries(SPLIT_NAMES.map((s) => [s, make(s)])) as PerSplit<T>;
}

/**
 * Measures a loaded dataset. Every number is read off the arrays themselves (the scaled
 * range from an actual scaled copy, crop shapes from actual crops), so the summary checks
 * the transformations rather than restating their definitions.
 */
export function summarizeDataset(data: FashionMnist): DataSummary {
  const cropShape = (split: SplitName, half: 'top' | 'bottom'): SplitShape => {
    const cropped = crop(data[split], half);
    return { x: [cropped.count, cropped.rows, cropped.cols], y: [cropped.labels.length] };
  };
  return {
    source: { dir: data.location.dir, from: data.location.source },
    limit: data.limit ?? null,
    classNames: [...CLASS_NAMES],
    shapes: perSplit((s) => ({
      x: [data[s].count, data[s].rows, data[s].cols],
      y: [data[s].labels.length],
    })),
    classDistribution: perSplit((s) => classDistribution(data[s].labels)),
    pixelRange: {
      before: perSplit((s) => pixelRange(data[s].pixels)),
      after: perSplit((s) => pixelRange(features(data[s], 'full').x)),
    },
    crops: {
      top: perSplit((s) => cropShape(s, 'top')),
      bottom: perSplit((s) => cropShape(s, 'bottom')),
    },
  };
}
