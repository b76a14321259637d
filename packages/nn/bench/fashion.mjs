// A tiny Fashion-MNIST reader for the benchmark (the same as test/helpers/fashion.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const DATA_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

/** `count` images from `first`; half 'top' keeps rows 0-13; scaled to [0, 1]. */
export function loadSubset(split, first, count, half = 'top') {
  const images = gunzipSync(readFileSync(join(DATA_DIR, `${split}-images-idx3-ubyte.gz`)));
  const labels = gunzipSync(readFileSync(join(DATA_DIR, `${split}-labels-idx1-ubyte.gz`)));
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) {
    throw new Error(`Bad IDX magic in ${DATA_DIR}`);
  }
  const per = (half === 'top' ? 14 : 28) * 28;
  const x = new Float32Array(count * per);
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const src = 16 + (first + i) * 784;
    for (let j = 0; j < per; j++) x[i * per + j] = images[src + j] / 255;
    y[i] = labels[8 + first + i];
  }
  return { x, y, shape: [half === 'top' ? 14 : 28, 28] };
}
