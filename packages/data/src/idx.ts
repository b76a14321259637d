/**
 * The IDX format (LeCun's MNIST files): a big-endian header, then the bytes.
 *
 *   images: magic 2051 (0x00000803: unsigned bytes, 3 dimensions), count, rows, cols, pixels
 *   labels: magic 2049 (0x00000801: unsigned bytes, 1 dimension),  count, labels
 *
 * Files may be gzipped; that is told by gzip's magic bytes (1f 8b), never by the name,
 * because people gunzip files and keep the name, or the other way round. Nothing here
 * allocates from a size the header claims, so a hostile header cannot exhaust memory.
 */
import { NUM_CLASSES } from './classes.js';
import { DataError } from './errors.js';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

/** The largest inflated file accepted: the real training images inflate to about 45 MiB. */
export const MAX_INFLATED_BYTES = 512 * 1024 * 1024;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols bytes, image after image, row after row. */
  pixels: Uint8Array;
}

/** Where the bytes came from, for the error messages. */
export interface IdxSource {
  /** The path (or name) to show in messages. */
  file: string;
  /** What to tell the user to do when the file is bad; a generic fix by default. */
  fix?: string;
  /** Told about what is odd but usable (trailing bytes after gzip data, as gzip warns). */
  warn?: (message: string) => void;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The last part of a path, '/' or '\\' separated (node:path's basename, without Node). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).at(-1) ?? path;
}

function defaultFix(file: string): string {
  return `Replace ${baseName(file)} with the official Fashion-MNIST file (gzipped or not)`;
}

export function fixFor(source: IdxSource): string {
  return `${source.fix ?? defaultFix(source.file)}.`;
}

function readMagic(bytes: Uint8Array, expected: number, source: IdxSource): DataView {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const what = expected === IDX_IMAGES_MAGIC ? 'images' : 'labels';
  if (bytes.length < 4) {
    throw new DataError(
      'bad-length',
      `${source.file} is ${bytes.length} bytes long, too short to be an IDX ${what} file`,
      fixFor(source),
      { file: source.file },
    );
  }
  const magic = view.getUint32(0);
  if (magic !== expected) {
    const other = expected === IDX_IMAGES_MAGIC ? IDX_LABELS_MAGIC : IDX_IMAGES_MAGIC;
    const hint = magic === other ? `: it holds ${what === 'images' ? 'labels' : 'images'}` : '';
    throw new DataError(
      'bad-magic',
      `${source.file} has magic number ${magic}, not ${expected} (IDX ${what})${hint}`,
      fixFor(source),
      { file: source.file },
    );
  }
  return view;
}

function checkHeader(bytes: Uint8Array, headerBytes: number, source: IdxSource): void {
  if (bytes.length < headerBytes) {
    throw new DataError(
      'bad-length',
      `${source.file} is truncated: ${bytes.length} bytes, shorter than its ${headerBytes}-byte IDX header`,
      fixFor(source),
      { file: source.file },
    );
  }
}

function checkLength(
  bytes: Uint8Array,
  headerBytes: number,
  bodyBytes: number,
  described: string,
  source: IdxSource,
): void {
  const expected = headerBytes + bodyBytes;
  if (bytes.length !== expected) {
    const how = bytes.length < expected ? 'is truncated' : 'has extra bytes at the end';
    throw new DataError(
      'bad-length',
      `${source.file} ${how}: its header announces ${described} (${expected} bytes) but it holds ${bytes.length} bytes`,
      fixFor(source),
      { file: source.file },
    );
  }
}

/**
 * Parses an IDX images file (already inflated). With `expect`, the image size must match it.
 */
export function parseIdxImages(
  bytes: Uint8Array,
  source: IdxSource,
  expect?: { rows: number; cols: number },
): IdxImages {
  const view = readMagic(bytes, IDX_IMAGES_MAGIC, source);
  checkHeader(bytes, 16, source);
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  const wrongSize = expect !== undefined && (rows !== expect.rows || cols !== expect.cols);
  if (count === 0 || rows === 0 || cols === 0 || wrongSize) {
    const wanted = expect ? `${expect.rows}x${expect.cols} images` : 'images of at least 1x1';
    throw new DataError(
      'bad-dimensions',
      `${source.file} holds ${count} images of ${rows}x${cols}, expected at least one and ${wanted}`,
      fixFor(source),
      { file: source.file },
    );
  }
  checkLength(bytes, 16, count * rows * cols, `${count} images of ${rows}x${cols}`, source);
  const pixels = new Uint8Array(bytes.buffer, bytes.byteOffset + 16, count * rows * cols);
  return { count, rows, cols, pixels };
}

/** Parses an IDX labels file (already inflated); every label must be below `numClasses`. */
export function parseIdxLabels(
  bytes: Uint8Array,
  source: IdxSource,
  numClasses: number = NUM_CLASSES,
): Uint8Array {
  const view = readMagic(bytes, IDX_LABELS_MAGIC, source);
  checkHeader(bytes, 8, source);
  const count = view.getUint32(4);
  if (count === 0) {
    throw new DataError('bad-dimensions', `${source.file} holds no labels`, fixFor(source), {
      file: source.file,
    });
  }
  checkLength(bytes, 8, count, `${count} labels`, source);
  const labels = new Uint8Array(bytes.buffer, bytes.byteOffset + 8, count);
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    if (label >= numClasses) {
      throw new DataError(
        'label-out-of-range',
        `${source.file} has label ${label} at index ${i}, outside 0-${numClasses - 1}`,
        fixFor(source),
        { file: source.file },
      );
    }
  }
  return labels;
}

/** A gzip file that inflates past MAX_INFLATED_BYTES: a bomb, or not a Fashion-MNIST file. */
export function gzipTooLarge(source: IdxSource, cause: unknown): DataError {
  return new DataError(
    'too-large',
    `${source.file} inflates to more than ${MAX_INFLATED_BYTES / 2 ** 20} MiB, far more than any Fashion-MNIST file (the training images inflate to 45 MiB): it is not one of them`,
    fixFor(source),
    { file: source.file, cause },
  );
}

/** A gzip file that does not inflate. */
export function corruptGzip(source: IdxSource, cause: unknown): DataError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new DataError(
    'corrupt-gzip',
    `${source.file} is a truncated or corrupt gzip file (${reason})`,
    fixFor(source),
    { file: source.file, cause },
  );
}
