/** gzip in Node (node:zlib), for the IDX files: inflate when gzipped, then parse. */
import { promisify } from 'node:util';
import { gunzip, inflateRawSync } from 'node:zlib';
import { NUM_CLASSES } from '../classes.js';
import { DataError } from '../errors.js';
import {
  corruptGzip as corrupt,
  fixFor,
  type IdxImages,
  type IdxSource,
  isGzip,
  MAX_INFLATED_BYTES,
  parseIdxImages,
  parseIdxLabels,
  gzipTooLarge as tooLarge,
} from '../idx.js';

/** Inflates gzipped bytes; returns other bytes as they are. */
export async function gunzipIfNeeded(bytes: Uint8Array, source: IdxSource): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const { data, trailing } = await inflate(bytes, source);
  if (trailing) {
    // What gzip(1) does: the data is used, the garbage after it ignored, with a warning.
    source.warn?.(
      `${source.file}: decompression OK, trailing garbage ignored (as gzip does); the file has bytes after its gzip data`,
    );
  }
  if (data.length === 0) {
    throw new DataError(
      'bad-length',
      `${source.file} is a gzip file with nothing inside (it inflates to 0 bytes)`,
      fixFor(source),
      { file: source.file },
    );
  }
  return data;
}

const gunzipAsync = promisify(gunzip);

/**
 * Inflates a gzip file as gzip(1) reads it: member after member (zlib does that, and ignores
 * trailing zeros); bytes after the last member that do not start another one are "trailing
 * garbage", ignored with a warning. Output beyond MAX_INFLATED_BYTES stops it (a gzip bomb
 * costs no more memory than that).
 */
async function inflate(
  bytes: Uint8Array,
  source: IdxSource,
): Promise<{ data: Uint8Array; trailing: boolean }> {
  try {
    return {
      data: toBytes(await gunzipAsync(bytes, { maxOutputLength: MAX_INFLATED_BYTES })),
      trailing: false,
    };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(source, error);
    // zlib meets a next member's header only after a whole member (CRC and length checked):
    // "incorrect header check" there means bytes that are not gzip at all.
    const end =
      e.code === 'Z_DATA_ERROR' && /incorrect header check/.test(e.message)
        ? membersEnd(bytes)
        : undefined;
    if (end !== undefined && end < bytes.length) {
      const data = await gunzipAsync(bytes.subarray(0, end), {
        maxOutputLength: MAX_INFLATED_BYTES,
      }).catch((inner: NodeJS.ErrnoException) => {
        throw inner.code === 'ERR_BUFFER_TOO_LARGE'
          ? tooLarge(source, inner)
          : corrupt(source, inner);
      });
      return { data: toBytes(data), trailing: true };
    }
    throw corrupt(source, error);
  }
}

/**
 * Where the gzip members end: each member's header is skipped (RFC 1952), its deflate stream
 * measured by inflating it, its 8-byte trailer stepped over; undefined when that fails.
 */
function membersEnd(bytes: Uint8Array): number | undefined {
  let offset = 0;
  try {
    while (bytes[offset] === 0x1f && bytes[offset + 1] === 0x8b) {
      const body = offset + headerLength(bytes, offset);
      const raw = inflateRawSync(bytes.subarray(body), {
        info: true,
        maxOutputLength: MAX_INFLATED_BYTES,
      }) as unknown as {
        engine: { bytesWritten: number };
      };
      offset = body + raw.engine.bytesWritten + 8;
    }
  } catch {
    return undefined;
  }
  return offset > 0 && offset <= bytes.length ? offset : undefined;
}

function headerLength(bytes: Uint8Array, start: number): number {
  const flags = bytes[start + 3]!;
  let at = start + 10;
  if (flags & 4) at += 2 + (bytes[at]! | (bytes[at + 1]! << 8)); // FEXTRA
  if (flags & 8) while (bytes[at++] !== 0 && at < bytes.length); // FNAME
  if (flags & 16) while (bytes[at++] !== 0 && at < bytes.length); // FCOMMENT
  if (flags & 2) at += 2; // FHCRC
  return at - start;
}

function toBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
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
