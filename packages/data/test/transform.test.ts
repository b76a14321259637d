import { describe, expect, it } from 'vitest';
import {
  CLASS_NAMES,
  checkLimit,
  classCounts,
  classDistribution,
  crop,
  cropShape,
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
