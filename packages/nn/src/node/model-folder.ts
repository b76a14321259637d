/**
 * A trained model kept as a folder in TensorFlow.js's Layers format (model.json and one
 * weights shard; see io/tfjs-format.ts), read back by `tf.loadLayersModel` and by
 * `loadModel` here.
 *
 * Written by @fmnist/files: whole, into a folder beside the target renamed into place, so a
 * crash never leaves a half-written model where a good one was; a folder is replaced only when
 * fmnist wrote it, and files a user added to it are kept.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { Backend } from '@fmnist/core';
import { type FolderFile, OutputFolderError, writeOutputFolder } from '@fmnist/files/node';
import type { Dtype } from '../dtype.js';
import { ModelFileError } from '../errors.js';
import {
  type DecodedModel,
  decodeLayersModel,
  encodeLayersModel,
  type LayersModelFiles,
  MAX_MODEL_WEIGHTS,
  MAX_SHARDS,
  MODEL_JSON,
} from '../io/tfjs-format.js';
import { Sequential } from '../sequential.js';

/** Writes the files of an encoded model into `dir` (whole); returns the names written. */
export async function writeModelFolder(
  dir: string,
  files: LayersModelFiles,
  writer: { command?: string; version?: string } = {},
): Promise<string[]> {
  const contents: FolderFile[] = [...files.shards].map(([path, content]) => ({ path, content }));
  // model.json last: a reader that finds it finds its shards.
  contents.push({ path: MODEL_JSON, content: `${JSON.stringify(files.modelJson, null, 2)}\n` });
  try {
    const written = await writeOutputFolder(dir, contents, {
      what: 'model',
      command: writer.command ?? 'fmnist',
      version: writer.version ?? '',
    });
    return written.files;
  } catch (error) {
    if (error instanceof OutputFolderError) {
      throw new ModelFileError(`Could not write the model to ${dir}: ${error.message}`);
    }
    throw error;
  }
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
  // Checked before it is opened: a FIFO would block for ever, a huge file would fill memory.
  await checkRegularFile(jsonPath, MAX_MODEL_JSON_BYTES, (code) =>
    code === 'ENOENT'
      ? `${path} holds no model.json; point --model at a folder a model was saved into`
      : `${jsonPath} cannot be read (${code}); check its permissions`,
  );
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFileError(
      `${jsonPath} cannot be read (${code ?? (error as Error).message}); check its permissions`,
    );
  }
  // The shards are read first (decodeLayersModel wants them synchronously): every path the
  // manifest lists, once, inside the model's folder, regular files only, within the size a
  // model may have. decodeLayersModel then checks the manifest itself.
  const shards = new Map<string, Uint8Array>();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Passed on as text: decodeLayersModel says what is wrong with the JSON.
  }
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  const realFolder = await realpath(folder);
  let total = 0;
  for (const group of Array.isArray(manifest) ? manifest : []) {
    const paths = (group as { paths?: unknown } | null)?.paths;
    for (const shardPath of Array.isArray(paths) ? paths : []) {
      if (typeof shardPath !== 'string' || shards.has(shardPath)) continue;
      if (shards.size >= MAX_SHARDS) break;
      const normal = normalize(shardPath);
      const shown = shardPath.length > 80 ? `${shardPath.slice(0, 77)}...` : shardPath;
      if (isAbsolute(shardPath) || normal === '..' || normal.startsWith(`..${sep}`)) {
        throw new ModelFileError(
          `${jsonPath}: lists the weights file '${shown}', outside the model's folder; keep the shards beside model.json`,
        );
      }
      const file = join(folder, normal);
      // A link may point anywhere (/dev/zero): only into the folder, at a regular file.
      const real = await realpath(file).catch(() => undefined);
      if (real === undefined) continue; // missing: decodeLayersModel names it
      if (!(real + sep).startsWith(realFolder + sep)) {
        throw new ModelFileError(
          `${jsonPath}: the weights file '${shown}' is a link to ${real}, outside the model's folder; copy the shard beside model.json`,
        );
      }
      const size = await checkRegularFile(
        real,
        MAX_WEIGHT_BYTES - total,
        (code) => `${file} cannot be read (${code}); check its permissions`,
        `together the weights files are larger than a model may be here (${MAX_MODEL_WEIGHTS.toLocaleString('en-US')} float32 weights)`,
      );
      total += size;
      const bytes = await readFile(real).catch((error: NodeJS.ErrnoException) => {
        throw new ModelFileError(
          `${file} cannot be read (${error.code ?? error.message}); check its permissions`,
        );
      });
      shards.set(shardPath, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    }
  }
  return decodeLayersModel(json, (p) => shards.get(p), jsonPath);
}

/** A model.json larger than this is not one (the study's are about 5 KB). */
const MAX_MODEL_JSON_BYTES = 16 * 2 ** 20;
/** The bytes all shards of one model may hold together: MAX_MODEL_WEIGHTS float32 weights. */
const MAX_WEIGHT_BYTES = 4 * MAX_MODEL_WEIGHTS;

/** Refuses anything but a regular file of at most `maxBytes`; returns its size. */
async function checkRegularFile(
  path: string,
  maxBytes: number,
  unreadable: (code: string) => string,
  tooLarge = `it is larger than a saved model's file may be (${maxBytes.toLocaleString('en-US')} bytes)`,
): Promise<number> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new ModelFileError(unreadable(error.code ?? error.message));
  });
  if (!info.isFile()) {
    const kind = info.isFIFO()
      ? 'a FIFO'
      : info.isCharacterDevice() || info.isBlockDevice()
        ? 'a device'
        : info.isDirectory()
          ? 'a folder'
          : info.isSocket()
            ? 'a socket'
            : 'not a regular file';
    throw new ModelFileError(`${path} is ${kind}, not a file; a saved model is made of files`);
  }
  if (info.size > maxBytes) {
    throw new ModelFileError(
      `${path} holds ${info.size.toLocaleString('en-US')} bytes: ${tooLarge}`,
    );
  }
  return info.size;
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
