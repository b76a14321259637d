// The real files, where Debian's dataset-fashion-mnist put them (CI installs it).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CLASS_NAMES,
  classCounts,
  type FashionMnist,
  features,
  imageAt,
  loadFashionMnist,
  SYSTEM_DATA_DIR,
  summarizeDataset,
} from '../src/node/index.js';

const present = existsSync(join(SYSTEM_DATA_DIR, 'train-images-idx3-ubyte.gz'));

describe.skipIf(!present)(`the real Fashion-MNIST in ${SYSTEM_DATA_DIR}`, () => {
  let data: FashionMnist;
  beforeAll(async () => {
    data = await loadFashionMnist({ dataDir: SYSTEM_DATA_DIR });
  });

  it('splits into 50,000 / 10,000 / 10,000 images of 28x28', () => {
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([
      50_000, 10_000, 10_000,
    ]);
    expect([data.train.rows, data.train.cols]).toEqual([28, 28]);
    expect(data.location.source).toBe('data-dir');
  });

  it('starts with the known labels', () => {
    expect(Array.from(data.train.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(Array.from(data.test.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    expect(CLASS_NAMES[data.train.labels[0]!]).toBe('Ankle boot');
  });

  it('has 6,000 of each class in the training file and 1,000 in the test file', () => {
    const train = classCounts(data.train.labels);
    const validation = classCounts(data.validation.labels);
    expect(train.map((n, i) => n + validation[i]!)).toEqual(new Array(10).fill(6000));
    expect(classCounts(data.test.labels)).toEqual(new Array(10).fill(1000));
    expect(train.reduce((a, b) => a + b)).toBe(50_000);
  });

  it('summarises shapes, class counts, pixel ranges and crops', () => {
    const summary = summarizeDataset(data);
    expect(summary.shapes.train).toEqual({ x: [50_000, 28, 28], y: [50_000] });
    expect(summary.shapes.test).toEqual({ x: [10_000, 28, 28], y: [10_000] });
    expect(summary.crops.top.validation).toEqual({ x: [10_000, 14, 28], y: [10_000] });
    expect(summary.crops.bottom.test).toEqual({ x: [10_000, 14, 28], y: [10_000] });
    for (const split of ['train', 'validation', 'test'] as const) {
      expect(summary.pixelRange.before[split]).toEqual({ min: 0, max: 255 });
      expect(summary.pixelRange.after[split]).toEqual({ min: 0, max: 1 });
      const counted = Object.values(summary.classDistribution[split]).reduce((a, b) => a + b);
      expect(counted).toBe(summary.shapes[split].y[0]);
    }
  });

  it('crops the first training image into its two halves', () => {
    const first = imageAt(data.train, 0);
    const top = features(data.train, 'top');
    const bottom = features(data.train, 'bottom');
    expect(top.x[0 * 28 + 5]).toBe(Math.fround(first[5]! / 255));
    expect(bottom.x[3 * 28 + 9]).toBe(Math.fround(first[(14 + 3) * 28 + 9]! / 255));
  });

  it('applies a limit to the training split only', async () => {
    const quick = await loadFashionMnist({ dataDir: SYSTEM_DATA_DIR, limit: 1000 });
    expect([quick.train.count, quick.validation.count, quick.test.count]).toEqual([
      1000, 10_000, 10_000,
    ]);
  });
});
