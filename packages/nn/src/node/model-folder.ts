/**
 * A trained model kept as a folder in TensorFlow.js's Layers format (model.json and one
 * weights shard; see io/tfjs-format.ts), read back by `tf.loadLayersModel` and by
 * `loadModel` here.
 *
 * Written atomically: into a temporary folder beside the target, model.json last, then renamed
 * into place (an earlier saved model is set aside first and removed after), so a crash never
 * leaves a half-written model where a good one was.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import type { Backend } from '@fmnist/core';
import type { Dtype } from '../dtype.js';
import { ModelFileError } from '../errors.js';
import {
  type DecodedModel,
  decodeLayersModel,
  encodeLayersModel,
  type LayersModelFiles,
  MODEL_JSON,
} from '../io/tfjs-format.js';
import { Sequential } from '../sequential.js';

/** Writes the files of an encoded model into `dir` (atomically); returns the names written. */
export async function writeModelFolder(dir: string, files: LayersModelFiles): Promise<string[]> {
  const target = resolve(dir);
  await checkReplaceable(target);
  const parent = dirname(target);
  const temp = join(parent, `.${basename(target)}.tmp-${process.pid}-${hex()}`);
  const written: string[] = [];
  try {
    await mkdir(parent, { recursive: true });
    await mkdir(temp);
    for (const [name, bytes] of files.shards) {
      await writeFile(join(temp, name), bytes);
      written.push(name);
    }
    await writeFile(join(temp, MODEL_JSON), `${JSON.stringify(files.modelJson, null, 2)}\n`);
    written.push(MODEL_JSON);
    await swapIntoPlace(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (error instanceof ModelFileError) throw error;
    throw new ModelFileError(
      `Could not write the model to ${dir}: ${(error as Error).message}; choose a folder you can write to.`,
    );
  }
  return written;
}

/** Saves the model into the folder `dir` in TF.js's Layers format (atomically). */
export async function saveModel(
  model: Sequential,
  dir: string,
  options: Parameters<typeof encodeLayersModel>[1] = {},
): Promise<string[]> {
  return writeModelFolder(dir, encodeLayersModel(model, options));
}

/**
 * Reads a TF.js Layers model (a folder holding model.json, or the model.json itself) into a spec
 * and weights: one written here, or by TF.js's `model.save('file://…')` for the study's family.
 */
export async function readModelFolder(path: string): Promise<DecodedModel> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new ModelFileError(
      error.code === 'ENOENT'
        ? `${path} does not exist; point --model at a folder holding a saved model.json`
        : `${path} cannot be read (${error.code ?? error.message}); check its permissions`,
    );
  });
  const jsonPath = info.isDirectory() ? join(path, MODEL_JSON) : path;
  const folder = info.isDirectory() ? path : dirname(path);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFileError(
      code === 'ENOENT'
        ? `${path} holds no model.json; point --model at a folder a model was saved into`
        : `${jsonPath} cannot be read (${code ?? (error as Error).message}); check its permissions`,
    );
  }
  // The shards are read first (decodeLayersModel wants them synchronously): every path the
  // manifest lists, inside the model's folder.
  const shards = new Map<string, Uint8Array>();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Passed on as text: decodeLayersModel says what is wrong with the JSON.
  }
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  for (const group of Array.isArray(manifest) ? manifest : []) {
    const paths = (group as { paths?: unknown }).paths;
    for (const shardPath of Array.isArray(paths) ? paths : []) {
      if (typeof shardPath !== 'string' || shards.has(shardPath)) continue;
      const normal = normalize(shardPath);
      if (isAbsolute(shardPath) || normal === '..' || normal.startsWith(`..${sep}`)) {
        throw new ModelFileError(
          `${jsonPath}: lists the weights file '${shardPath}', outside the model's folder; keep the shards beside model.json`,
        );
      }
      const bytes = await readFile(join(folder, normal)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'EISDIR') return undefined;
        throw new ModelFileError(
          `${join(folder, normal)} cannot be read (${error.code ?? error.message}); check its permissions`,
        );
      });
      if (bytes)
        shards.set(shardPath, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    }
  }
  return decodeLayersModel(json, (p) => shards.get(p), jsonPath);
}

/** Builds the saved model (spec and weights). It still needs compile() before training. */
export async function loadModel(
  path: string,
  options: { backend?: Backend; dtype?: Dtype; seed?: number } = {},
): Promise<Sequential> {
  const decoded = await readModelFolder(path);
  const model = new Sequential(decoded.spec, options);
  model.setWeights(decoded.weights);
  return model;
}

/** A saved model's folder holds model.json and its .bin shards, nothing else. */
async function checkReplaceable(target: string): Promise<void> {
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ModelFileError(
      `Could not write the model to ${target}: ${error.code ?? error.message}; choose a folder you can write to.`,
    );
  });
  if (!info) return;
  if (!info.isDirectory()) {
    throw new ModelFileError(
      `${target} is a file, not a folder; choose a new folder for the model.`,
    );
  }
  const foreign = (await readdir(target)).filter((e) => e !== MODEL_JSON && !e.endsWith('.bin'));
  if (foreign.length > 0) {
    throw new ModelFileError(
      `${target} holds files other than a saved model (${foreign.slice(0, 3).join(', ')}); choose a new or empty folder for the model.`,
    );
  }
}

async function swapIntoPlace(temp: string, target: string): Promise<void> {
  const aside = join(dirname(target), `.${basename(target)}.old-${process.pid}-${hex()}`);
  let movedAside = false;
  try {
    await rename(target, aside);
    movedAside = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    await rename(temp, target);
  } catch (error) {
    if (movedAside) await rename(aside, target);
    throw error;
  }
  if (movedAside) await rm(aside, { recursive: true, force: true });
}

function hex(): string {
  return randomBytes(4).toString('hex');
}
