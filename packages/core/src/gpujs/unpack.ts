/** Reading a gpu.js kernel's result (rows of numbers or of cells) into a row-major array. */
import type { FloatArray } from '../backend.js';

/** What a 2-D gpu.js kernel returns: rows of numbers (Number) or rows of cells (Array(r)). */
export type KernelRows = ArrayLike<ArrayLike<number> | ArrayLike<ArrayLike<number>>>;

/**
 * Copies a kernel result into the row-major `out`. Cell (x=j, y=r) component q holds
 * out[rows*r + q][j]. The result is either flat (webasm, see keepFlatResult), or nested; where
 * the nested views share one contiguous buffer (GL with Array(r) returns) that buffer is read
 * directly instead of walking thousands of views. `columns`: see unpackFlat (flat results only).
 */
export function unpackRows(
  result: Float32Array | KernelRows,
  out: FloatArray,
  m: number,
  n: number,
  rows: number,
  columns = n,
): void {
  let flat: Float32Array | null = result instanceof Float32Array ? result : null;
  if (!flat && columns !== n) {
    throw new Error(`unpackRows: padded rows (${columns} for ${n}) need a flat result`);
  }
  if (!flat && rows === 1) {
    const nested = result as KernelRows;
    flat = contiguous(nested[0] as Float32Array, nested[m - 1] as Float32Array, m * n);
    if (!flat) {
      for (let i = 0; i < m; i++) out.set(nested[i] as Float32Array, i * n);
      return;
    }
  } else if (!flat) {
    const nested = result as KernelRows;
    const lastRow = nested[m / rows - 1] as Float32Array[];
    flat = contiguous((nested[0] as Float32Array[])[0]!, lastRow[n - 1]!, m * n);
    if (!flat) {
      for (let r = 0; r < m / rows; r++) {
        const row = nested[r] as Float32Array[];
        const base = r * rows * n;
        for (let j = 0; j < n; j++) {
          const cell = row[j]!;
          for (let q = 0; q < rows; q++) out[base + q * n + j] = cell[q]!;
        }
      }
      return;
    }
  }
  unpackFlat(flat, 0, out, m, n, rows, columns);
}

/**
 * unpackRows for a flat result starting at `start` in `flat`. With `rows` 1 (the result laid
 * out as the row-major product), its rows may be `columns` wide, of which the first n are read
 * (the backend's padding columns).
 */
export function unpackFlat(
  flat: Float32Array,
  start: number,
  out: FloatArray,
  m: number,
  n: number,
  rows: number,
  columns = n,
): void {
  if (rows === 1) {
    if (columns === n) {
      out.set(flat.subarray(start, start + m * n));
      return;
    }
    for (let i = 0, src = start, o = 0; i < m; i++, src += columns) {
      for (let j = 0; j < n; j++) out[o++] = flat[src + j]!;
    }
    return;
  }
  if (columns !== n) throw new Error(`unpackFlat: padded rows need rows 1, got ${rows}`);
  if (rows === 4) {
    // The default shape, written out: without the inner q loop this runs in half the time
    // (50,176 values of the 392×128 weight gradient every step).
    const n2 = 2 * n;
    const n3 = 3 * n;
    for (let r = 0, src = start; r < m / 4; r++) {
      const base = r * 4 * n;
      for (let j = 0; j < n; j++, src += 4) {
        const o = base + j;
        out[o] = flat[src]!;
        out[o + n] = flat[src + 1]!;
        out[o + n2] = flat[src + 2]!;
        out[o + n3] = flat[src + 3]!;
      }
    }
    return;
  }
  for (let r = 0, src = start; r < m / rows; r++) {
    const base = r * rows * n;
    for (let j = 0; j < n; j++) {
      for (let q = 0; q < rows; q++) out[base + q * n + j] = flat[src++]!;
    }
  }
}

/** The flat Float32Array of `length` that starts at `first`, if `last` ends exactly there. */
export function contiguous(
  first: Float32Array,
  last: Float32Array,
  length: number,
): Float32Array | null {
  if (!(first instanceof Float32Array) || !(last instanceof Float32Array)) return null;
  if (first.buffer !== last.buffer) return null;
  if (last.byteOffset + last.byteLength !== first.byteOffset + length * 4) return null;
  return new Float32Array(first.buffer, first.byteOffset, length);
}
