/**
 * Saving and loading a model: its spec and every weight, in one file.
 *
 * Layout (little-endian):
 *   8 bytes   magic "FMNISTW1"
 *   4 bytes   uint32 length H of the header
 *   H bytes   UTF-8 JSON header: { format: 1, spec, weights: [{ name, shape, trainable }] }
 *   padding   zero bytes up to a multiple of 4
 *   the weights as float32, in Keras order, one after another
 *
 * Written atomically: to a temporary file next to the target, then renamed over it, so a crash
 * never leaves a half-written model where a good one was.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Backend } from '@fmnist/core';
import type { Dtype } from '../dtype.js';
import { ModelFileError } from '../errors.js';
import { Sequential } from '../sequential.js';
import type { ModelSpec } from '../spec.js';

const MAGIC = 'FMNISTW1';

interface Header {
  format: 1;
  spec: ModelSpec;
  weights: { name: string; shape: number[]; trainable: boolean }[];
}

/** Writes the model's spec and weights to `path` (atomically). */
export function saveModel(model: Sequential, path: string): void {
  const weights = model.weights;
  const header: Header = {
    format: 1,
    spec: model.spec,
    weights: weights.map((w) => ({ name: w.name, shape: [...w.shape], trainable: w.trainable })),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const start = align4(8 + 4 + headerBytes.length);
  const count = weights.reduce((s, w) => s + w.value.length, 0);
  const file = Buffer.alloc(start + 4 * count);
  file.write(MAGIC, 0, 'latin1');
  file.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(file, 12);
  const floats = new Float32Array(file.buffer, file.byteOffset + start, count);
  let offset = 0;
  for (const w of weights) {
    floats.set(w.value, offset);
    offset += w.value.length;
  }
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, file);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new ModelFileError(
      `Could not write the model to ${path}: ${(error as Error).message}; check the directory exists and is writable.`,
    );
  }
}

function readHeader(path: string): { header: Header; floats: Float32Array } {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (error) {
    throw new ModelFileError(
      `Could not read the model file ${path}: ${(error as Error).message}; check the path.`,
    );
  }
  if (file.length < 12 || file.toString('latin1', 0, 8) !== MAGIC) {
    throw new ModelFileError(
      `${path} is not a model file written by saveModel (wrong magic); point at a saved model.`,
    );
  }
  const headerLength = file.readUInt32LE(8);
  if (12 + headerLength > file.length) {
    throw new ModelFileError(`${path} is truncated (header cut short); save the model again.`);
  }
  let header: Header;
  try {
    header = JSON.parse(file.toString('utf8', 12, 12 + headerLength)) as Header;
  } catch {
    throw new ModelFileError(`${path} has a corrupt header; save the model again.`);
  }
  if (header.format !== 1) {
    throw new ModelFileError(`${path} has format ${header.format}; this version reads format 1.`);
  }
  const start = align4(12 + headerLength);
  const count = header.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  if (file.length !== start + 4 * count) {
    throw new ModelFileError(
      `${path} should hold ${count} weights but its size is wrong (truncated?); save the model again.`,
    );
  }
  // Copy into an aligned buffer: the Buffer's own offset may not be a multiple of 4.
  const floats = new Float32Array(count);
  floats.set(
    new Float32Array(
      file.buffer.slice(file.byteOffset + start, file.byteOffset + start + 4 * count),
    ),
  );
  return { header, floats };
}

/** Splits the flat float32 data into one array per weight, with its shape. */
function splitWeights(header: Header, floats: Float32Array) {
  let offset = 0;
  return header.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const data = floats.subarray(offset, offset + n);
    offset += n;
    return { shape: w.shape, data };
  });
}

/** Builds the saved model (spec and weights). It still needs compile() before training. */
export function loadModel(
  path: string,
  options: { backend?: Backend; dtype?: Dtype; seed?: number } = {},
): Sequential {
  const { header, floats } = readHeader(path);
  const model = new Sequential(header.spec, options);
  model.setWeights(splitWeights(header, floats));
  return model;
}

/** Loads the weights saved in `path` into `model`, which must have the same architecture. */
export function loadWeights(model: Sequential, path: string): void {
  const { header, floats } = readHeader(path);
  const names = model.weights.map((w) => w.name);
  const saved = header.weights.map((w) => w.name);
  if (names.join() !== saved.join()) {
    throw new ModelFileError(
      `${path} holds weights [${saved.join(', ')}] but model '${model.name}' has ` +
        `[${names.join(', ')}]; load it into a model built from the same spec (or use loadModel).`,
    );
  }
  model.setWeights(splitWeights(header, floats));
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
