/** gzip in Node (node:zlib), for the IDX files: inflate when gzipped, then parse. */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { NUM_CLASSES } from '../classes.js';
import { DataError } from '../errors.js';
import {
  fixFor,
  type IdxImages,
  type IdxSource,
  isGzip,
  MAX_INFLATED_BYTES,
  parseIdxImages,
  parseIdxLabels,
} from '../idx.js';

const gunzipAsync = promisify(gunzip);

/** Inflates gzipped bytes; returns other bytes as they are. */
export async function gunzipIfNeeded(bytes: Uint8Array, source: IdxSource): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  let inflated: Buffer;
  try {
    inflated = await gunzipAsync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError(
      'corrupt-gzip',
      `${source.file} is a truncated or corrupt gzip file (${reason})`,
      fixFor(source),
      { file: source.file, cause: error },
    );
  }
  return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
}

/** Inflates (when gzipped) and parses an images file. */
export async function decodeIdxImages(
  bytes: Uint8Array,
  source: IdxSource,
  expect?: { rows: number; cols: number },
): Promise<IdxImages> {
  return parseIdxImages(await gunzipIfNeeded(bytes, source), source, expect);
}

/** Inflates (when gzipped) and parses a labels file. */
export async function decodeIdxLabels(
  bytes: Uint8Array,
  source: IdxSource,
  numClasses: number = NUM_CLASSES,
): Promise<Uint8Array> {
  return parseIdxLabels(await gunzipIfNeeded(bytes, source), source, numClasses);
}
