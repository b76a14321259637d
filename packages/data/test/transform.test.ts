import { describe, expect, it } from 'vitest';
import {
  CLASS_NAMES,
  checkLimit,
  classCounts,
  classDistribution,
  crop,
  cropInputShape,
  cropKey,
  cropShape,
  cropWindow,
  describeCrop,
  featureCache,
  features,
  type ImageSet,
  imageAt,
  pixelRange,
  scale,
  splitTrainValidation,
  validationCount,
} from '../src/node/index.js';

/** Image i has pixel (r, c) = i + r (mod 256): rows are told apart by value. */
function set(count: number): ImageSet {
  const pixels = new Uint8Array(count * 28 * 28);
  for (let i = 0; i < count; i++)
    for (let r = 0; r < 28; r++)
      pixels.fill((i + r) % 256, (i * 28 + r) * 28, (i * 28 + r + 1) * 28);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { count, rows: 28, cols: 28, pixels, labels };
}

describe('splits', () => {
  it('keeps the official 50,000 / 10,000 and a 5:1 ratio for other sizes', () => {
    expect(validationCount(60_000)).toBe(10_000);
    expect(validationCount(60)).toBe(10);
    expect(validationCount(2)).toBe(0);
    expect(validationCount(3)).toBe(1);
  });

  it('takes training first and validation last, as views', () => {
    const all = set(12);
    const { train, validation } = splitTrainValidation(all);
    expect([train.count, validation.count]).toEqual([10, 2]);
    expect(train.pixels.buffer).toBe(all.pixels.buffer);
    expect(imageAt(validation, 0)[0]).toBe(10); // image 10, row 0
    expect(Array.from(validation.labels)).toEqual([0, 1]);
  });

  it('accepts a positive whole limit only', () => {
    expect(checkLimit(undefined)).toBeUndefined();
    expect(checkLimit(5)).toBe(5);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => checkLimit(bad)).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    }
  });
});

describe('variants', () => {
  it('top is rows 0-13 and bottom rows 14-27, each 14x28', () => {
    const data = set(3);
    const top = crop(data, 'top');
    const bottom = crop(data, 'bottom');
    expect([top.count, top.rows, top.cols]).toEqual([3, 14, 28]);
    expect([bottom.count, bottom.rows, bottom.cols]).toEqual([3, 14, 28]);
    // Image 2: top rows hold 2..15, bottom rows 16..29.
    const rowValues = (s: ImageSet, i: number) =>
      Array.from({ length: s.rows }, (_, r) => imageAt(s, i)[r * 28]);
    expect(rowValues(top, 2)).toEqual(Array.from({ length: 14 }, (_, r) => 2 + r));
    expect(rowValues(bottom, 2)).toEqual(Array.from({ length: 14 }, (_, r) => 16 + r));
    expect(crop(data, 'full')).toBe(data);
    expect(cropShape(data, 'bottom')).toEqual([3, 14, 28]);
  });

  it('features crop and scale in one pass, equal to crop then scale', () => {
    const data = set(4);
    for (const variant of ['full', 'top', 'bottom'] as const) {
      const f = features(data, variant);
      expect(f.shape).toEqual(cropShape(data, variant));
      expect(f.x).toEqual(scale(crop(data, variant).pixels));
      expect(f.y).toBe(data.labels);
    }
  });

  it('scales by 1/255 into float32 [0, 1]', () => {
    const scaled = scale(Uint8Array.from([0, 51, 255]));
    expect(scaled).toBeInstanceOf(Float32Array);
    expect(Array.from(scaled)).toEqual([0, Math.fround(0.2), 1]);
  });
});

describe('counts and ranges', () => {
  it('counts classes by label and by name', () => {
    expect(classCounts([0, 0, 9, 3])).toEqual([2, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    const byName = classDistribution([0, 9, 9]);
    expect(Object.keys(byName)).toEqual([...CLASS_NAMES]);
    expect(byName['T-shirt/top']).toBe(1);
    expect(byName['Ankle boot']).toBe(2);
  });

  it('finds min and max', () => {
    expect(pixelRange(Uint8Array.from([7, 3, 200]))).toEqual({ min: 3, max: 200 });
    expect(pixelRange(new Float32Array(0)).min).toBeNaN();
  });
});

describe('crops beyond the halves of rows: left, right and windows', () => {
  // One 4x4 image whose pixel at (r, c) is 10 r + c, so every crop is readable by eye.
  const image: ImageSet = {
    count: 2,
    rows: 4,
    cols: 4,
    pixels: Uint8Array.from(
      { length: 32 },
      (_, i) => ((i % 16) >> 2) * 10 + (i % 4) + (i >= 16 ? 100 : 0),
    ),
    labels: Uint8Array.from([3, 7]),
  };
  it('left and right keep columns 0-1 and 2-3 of every row, image after image', () => {
    expect(Array.from(crop(image, 'left').pixels.subarray(0, 8))).toEqual([
      0, 1, 10, 11, 20, 21, 30, 31,
    ]);
    expect(Array.from(crop(image, 'right').pixels.subarray(8))).toEqual([
      102, 103, 112, 113, 122, 123, 132, 133,
    ]);
    expect(cropShape(image, 'right')).toEqual([2, 4, 2]);
  });
  it('a window keeps its rows and columns, half-open, and features scale the same pixels', () => {
    const w = { rows: [1, 3] as [number, number], cols: [1, 4] as [number, number] };
    expect(Array.from(crop(image, w).pixels)).toEqual([
      11, 12, 13, 21, 22, 23, 111, 112, 113, 121, 122, 123,
    ]);
    const f = features(image, w);
    expect(f.shape).toEqual([2, 2, 3]);
    expect(Array.from(f.x, (v) => Math.round(v * 255))).toEqual(Array.from(crop(image, w).pixels));
  });
  it('a window that is empty or leaves the image is refused', () => {
    expect(() => cropWindow({ rows: [2, 2], cols: [0, 4] }, 4, 4)).toThrow(/non-empty window/);
    expect(() => cropWindow({ rows: [0, 4], cols: [3, 5] }, 4, 4)).toThrow(/4x4 image/);
    expect(() => cropWindow({ rows: [-1, 2], cols: [0, 4] }, 4, 4)).toThrow(RangeError);
  });
  it('names, keys and input shapes of the 28x28 crops', () => {
    expect(cropInputShape('left')).toEqual([28, 14]);
    expect(cropInputShape('top')).toEqual([14, 28]);
    expect(cropKey({ rows: [3, 10], cols: [0, 28] })).toBe('rows-3-10-cols-0-28');
    expect(describeCrop('right')).toBe('right half (columns 14-27)');
    expect(describeCrop('bottom')).toBe('bottom half (rows 14-27)');
    expect(describeCrop({ rows: [3, 10], cols: [0, 28] })).toBe('window of rows 3-9, columns 0-27');
  });
});

describe('featureCache: each crop made once, keyed by its bounds', () => {
  it('two windows of one size get their own rows; an equal window shares the entry; named crops too', () => {
    const train = set(3);
    const test = set(2);
    const of = featureCache({ train, test });
    const upper = of({ rows: [0, 14], cols: [0, 28] });
    const lower = of({ rows: [14, 28], cols: [0, 28] });
    expect(upper.train.shape).toEqual(lower.train.shape);
    expect(upper.train.x).toEqual(features(train, 'top').x);
    expect(lower.train.x).toEqual(features(train, 'bottom').x);
    expect(lower.test.x).toEqual(features(test, 'bottom').x);
    expect(lower.train.x).not.toEqual(upper.train.x);
    // The same bounds, written again: the very same arrays, not made twice.
    expect(of({ rows: [14, 28], cols: [0, 28] })).toBe(lower);
    expect(of('top')).toBe(of('top'));
    expect(Object.keys(upper)).toEqual(['train', 'test']);
  });
});
