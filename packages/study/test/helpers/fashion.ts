/**
 * A tiny Fashion-MNIST reader for tests and the benchmark, so nn does not depend on the data
 * package: gunzip, check the IDX magic, scale to [0, 1], optionally keep the top half.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const DATA_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

export function haveFashionMnist(): boolean {
  return existsSync(join(DATA_DIR, 'train-images-idx3-ubyte.gz'));
}

export interface Subset {
  x: Float32Array;
  y: Uint8Array;
  shape: [number, number];
}

/**
 * `count` images from `first` of the training (or test) set; `half` 'top' keeps rows 0-13,
 * 'bottom' rows 14-27.
 */
export function loadSubset(
  split: 'train' | 't10k',
  first: number,
  count: number,
  half: 'top' | 'bottom' | 'full' = 'top',
): Subset {
  const images = gunzipSync(readFileSync(join(DATA_DIR, `${split}-images-idx3-ubyte.gz`)));
  const labels = gunzipSync(readFileSync(join(DATA_DIR, `${split}-labels-idx1-ubyte.gz`)));
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) {
    throw new Error(`Bad IDX magic in ${DATA_DIR}`);
  }
  const rowsKept = half === 'full' ? 28 : 14;
  const per = rowsKept * 28;
  const skip = half === 'bottom' ? 14 * 28 : 0;
  const x = new Float32Array(count * per);
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const src = 16 + (first + i) * 784 + skip;
    for (let j = 0; j < per; j++) x[i * per + j] = images[src + j]! / 255;
    y[i] = labels[8 + first + i]!;
  }
  return { x, y, shape: [rowsKept, 28] };
}
