// Small, generated IDX files: valid by construction, with pixels and labels that encode

// their own index, so that splits and crops can be checked by value.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError } from '../src/node/index.js';

export function imagesIdx(
  count: number,
  rows = 28,
  cols = 28,
  pixel: (image: number, row: number, col: number) => number = (i, r, c) => (i + r * 7 + c) % 256,
): Uint8Array {
  const bytes = new Uint8Array(16 + count * rows * cols);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 2051);
  view.setUint32(4, count);
  view.setUint32(8, rows);
  view.setUint32(12, cols);
  let o = 16;
  for (let i = 0; i < count; i++)
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) bytes[o++] = pixel(i, r, c);
  return bytes;
}

export function labelsIdx(labels: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(8 + labels.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 2049);
  view.setUint32(4, labels.length);
  for (let i = 0; i < labels.length; i++) bytes[8 + i] = labels[i]!;
  return bytes;
}

export const gz = (bytes: Uint8Array): Uint8Array => new Uint8Array(gzipSync(bytes));

/** Label of image i in the fixtures: cycles through the ten classes. */
export const fixtureLabel = (i: number): number => i % 10;

export interface FixtureFiles {
  'train-images-idx3-ubyte': Uint8Array;
  'train-labels-idx1-ubyte': Uint8Array;
  't10k-images-idx3-ubyte': Uint8Array;
  't10k-labels-idx1-ubyte': Uint8Array;
}

/** The four files for a tiny dataset, gzipped. */
export function fixtureFiles(trainCount = 60, testCount = 20): FixtureFiles {
  const labels = (n: number) => Array.from({ length: n }, (_, i) => fixtureLabel(i));
  return {
    'train-images-idx3-ubyte': gz(imagesIdx(trainCount)),
    'train-labels-idx1-ubyte': gz(labelsIdx(labels(trainCount))),
    't10k-images-idx3-ubyte': gz(
      imagesIdx(testCount, 28, 28, (i, r, c) => (255 - i - r - c) & 255),
    ),
    't10k-labels-idx1-ubyte': gz(labelsIdx(labels(testCount))),
  };
}

/** Writes the files into `dir` as `name.gz` (or as `name`, gunzipped, when raw). */
export function writeFixture(
  dir: string,
  files: FixtureFiles = fixtureFiles(),
  options: { raw?: boolean; only?: (keyof FixtureFiles)[] } = {},
): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files) as [keyof FixtureFiles, Uint8Array][]) {
    if (options.only && !options.only.includes(name)) continue;
    if (options.raw) writeFileSync(join(dir, name), gunzipSync(bytes));
    else writeFileSync(join(dir, `${name}.gz`), bytes);
  }
  return dir;
}

export async function tempDir(prefix = 'fmnist-data-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** The DataError a promise rejects with; fails the test when it resolves or throws another. */
export async function dataErrorOf(promise: Promise<unknown>): Promise<DataError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DataError) return error;
    throw error;
  }
  throw new Error('expected a DataError, got a result');
}
