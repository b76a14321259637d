/**
 * Sample data for tests and the demo report: Fashion-MNIST's class names, deterministic
 * predictions and histories, and images — the real first test images when the dataset is on
 * this machine (Debian's dataset-fashion-mnist or $FASHION_MNIST_DIR), simple drawn shapes
 * otherwise, so tests never depend on it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { EpochRecord } from '../src/history.js';

export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** A small deterministic generator (mulberry32), so samples are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Labels and two models' predictions: `top` right about `accTop` of the time, `bottom` about
 * `accBottom`, with per-class skill differing so the comparison has something to say.
 */
export function samplePredictions(n: number, seed = 7) {
  const random = rng(seed);
  const yTrue: number[] = [];
  const top: number[] = [];
  const bottom: number[] = [];
  const topSkill = [0.82, 0.97, 0.78, 0.88, 0.8, 0.93, 0.6, 0.92, 0.96, 0.94];
  const bottomSkill = [0.75, 0.9, 0.7, 0.8, 0.72, 0.96, 0.5, 0.95, 0.93, 0.85];
  for (let i = 0; i < n; i++) {
    const t = Math.floor(random() * 10);
    yTrue.push(t);
    top.push(random() < topSkill[t]! ? t : Math.floor(random() * 10));
    bottom.push(random() < bottomSkill[t]! ? t : Math.floor(random() * 10));
  }
  return { yTrue, top, bottom };
}

/** A plausible history: loss falls then validation loss turns up after `turn` epochs. */
export function sampleHistory(epochs: number, turn: number, seed = 3): EpochRecord[] {
  const random = rng(seed);
  return Array.from({ length: epochs }, (_, i) => {
    const e = i + 1;
    const loss = 0.3 + 0.6 * Math.exp(-e / 3) + 0.01 * random();
    const valLoss =
      0.36 + 0.55 * Math.exp(-e / 3) + (e > turn ? 0.012 * (e - turn) : 0) + 0.008 * random();
    return {
      loss,
      accuracy: 0.92 - 0.35 * Math.exp(-e / 3) + 0.005 * random(),
      val_loss: valLoss,
      val_accuracy: 0.88 - 0.3 * Math.exp(-e / 3) - (e > turn ? 0.002 * (e - turn) : 0),
    };
  });
}

export interface SampleImages {
  /** 28x28 uint8 images, row-major. */
  images: Uint8Array[];
  labels: number[];
  /** Where they came from: a file path, or "drawn" for the synthetic ones. */
  source: string;
}

const DATA_DIRS = [process.env.FASHION_MNIST_DIR, '/usr/share/datasets/fashion-mnist'].filter(
  (d): d is string => Boolean(d),
);

/** The first `count` test images and labels (real when available). */
export function sampleImages(count: number): SampleImages {
  for (const dir of DATA_DIRS) {
    const images = join(dir, 't10k-images-idx3-ubyte.gz');
    const labels = join(dir, 't10k-labels-idx1-ubyte.gz');
    if (existsSync(images) && existsSync(labels)) {
      const pixels = gunzipSync(readFileSync(images));
      const classes = gunzipSync(readFileSync(labels));
      return {
        images: Array.from({ length: count }, (_, i) =>
          pixels.subarray(16 + i * 784, 16 + (i + 1) * 784),
        ),
        labels: Array.from(classes.subarray(8, 8 + count)),
        source: images,
      };
    }
  }
  return drawnImages(count);
}

/** Simple silhouettes (a block, two legs, a sole) per class, with a little noise. */
function drawnImages(count: number): SampleImages {
  const random = rng(11);
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    const image = new Uint8Array(784);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const body = x >= 7 && x < 21 && y >= 5 && y < 24;
        const legs = label === 1 && y >= 5 && ((x >= 9 && x < 13) || (x >= 15 && x < 19));
        const shoe =
          (label === 5 || label === 7 || label === 9) && y >= 16 && y < 23 && x >= 3 && x < 25;
        const inside = label === 1 ? legs : label === 5 || label === 7 || label === 9 ? shoe : body;
        image[y * 28 + x] = inside ? 120 + Math.floor(random() * 120) : Math.floor(random() * 12);
      }
    }
    images.push(image);
    labels.push(label);
  }
  return { images, labels, source: 'drawn' };
}
