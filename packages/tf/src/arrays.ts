import { argmaxRow } from '@fmnist/nn';

/** A named float32 array with its shape: one weight, gradient or activation. */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** The rows `indices` of a row-major [rows × width] matrix, in that order. */
export function gatherRows(
  x: Float32Array,
  width: number,
  indices: ArrayLike<number>,
): Float32Array {
  const out = new Float32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i] as number;
    out.set(x.subarray(row * width, (row + 1) * width), i * width);
  }
  return out;
}

/** The entries `indices` of `labels`, in that order. */
export function gatherLabels(labels: ArrayLike<number>, indices: ArrayLike<number>): Int32Array {
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = labels[indices[i] as number] as number;
  return out;
}

/** The product of a shape's dimensions. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Fraction of rows of probs[rows × classes] whose first largest entry is the label. */
export function accuracyOf(
  probs: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) if (argmaxRow(probs, r, classes) === labels[r]) correct++;
  return labels.length === 0 ? 0 : correct / labels.length;
}
