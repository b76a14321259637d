import type { FloatArray } from '@fmnist/core';
import { KERAS_DEFAULTS } from './spec.js';

/**
 * The maths of this module, at the top of its file (docs/architecture.md); `fmnist explain` quotes it
 * word for word.
 */
export const LOSS_FORMULA = `
Sparse categorical cross-entropy on probabilities, and accuracy, as Keras computes them.

  L = (1/B) Σ_r −log(clip(p[r, y_r], 1e−7, 1 − 1e−7))

  dL/dp[r, c] = −1 / (B · p[r, c])   for c = y_r, where the clip is not active; 0 elsewhere
  (the clip is flat outside its range, so it passes no gradient there).

Fused with the softmax that produced p (p = softmax(z)), the chain rule collapses to

  dL/dz[r, c] = (p[r, c] − [c = y_r]) / B

which is both cheaper and better conditioned than dividing by a tiny p. It equals the
unfused chain wherever the clip is not active (test/losses.test.ts checks it).
`.slice(1, -1);

export type Labels =
  | Uint8Array
  | Int32Array
  | Uint32Array
  | Uint16Array
  | Float32Array
  | readonly number[];

export const LOSS_NAMES = ['sparse_categorical_crossentropy'] as const;
export type LossName = (typeof LOSS_NAMES)[number];
export const METRIC_NAMES = ['accuracy'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

const EPS = KERAS_DEFAULTS.crossEntropyClip;

/** Sum (not mean) over the batch of −log(clip(p[label])): callers weight and divide. */
export function crossEntropySum(
  probs: FloatArray,
  labels: Labels,
  batch: number,
  classes: number,
  offset = 0,
): number {
  let sum = 0;
  for (let r = 0; r < batch; r++) {
    const p = probs[r * classes + labels[offset + r]!]!;
    sum -= Math.log(Math.min(Math.max(p, EPS), 1 - EPS));
  }
  return sum;
}

/** The mean cross-entropy over the batch: Keras's loss value for one batch. */
export function sparseCategoricalCrossentropy(
  probs: FloatArray,
  labels: Labels,
  batch: number,
  classes: number,
): number {
  return crossEntropySum(probs, labels, batch, classes) / batch;
}

/** dL/dp of the mean cross-entropy (unfused), written into `out`. */
export function crossEntropyGradProbs(
  probs: FloatArray,
  labels: Labels,
  batch: number,
  classes: number,
  out: FloatArray,
  offset = 0,
): void {
  out.fill(0, 0, batch * classes);
  for (let r = 0; r < batch; r++) {
    const i = r * classes + labels[offset + r]!;
    const p = probs[i]!;
    out[i] = p > EPS && p < 1 - EPS ? -1 / (batch * p) : 0;
  }
}

/** dL/dz of softmax followed by the mean cross-entropy: (p − onehot)/B, written into `out`. */
export function softmaxCrossEntropyGradLogits(
  probs: FloatArray,
  labels: Labels,
  batch: number,
  classes: number,
  out: FloatArray,
  offset = 0,
): void {
  const inv = 1 / batch;
  const n = batch * classes;
  for (let i = 0; i < n; i++) out[i] = probs[i]! * inv;
  for (let r = 0; r < batch; r++) {
    const i = r * classes + labels[offset + r]!;
    out[i] = out[i]! - inv;
  }
}

/** The index of row r's largest entry in probs[rows × classes], the first on ties. */
export function argmaxRow(probs: ArrayLike<number>, r: number, classes: number): number {
  const o = r * classes;
  let best = 0;
  for (let c = 1; c < classes; c++) if (probs[o + c]! > probs[o + best]!) best = c;
  return best;
}

/** argmaxRow of every row: the predicted class of each sample. */
export function argmaxRows(
  probs: ArrayLike<number>,
  classes: number,
  out = new Int32Array(Math.floor(probs.length / classes)),
  offset = 0,
): Int32Array {
  const rowsIn = Math.floor(probs.length / classes);
  for (let r = 0; r < rowsIn; r++) out[offset + r] = argmaxRow(probs, r, classes);
  return out;
}

/** How many rows have their largest probability (first on ties) at the label. */
export function countCorrect(
  probs: FloatArray,
  labels: Labels,
  batch: number,
  classes: number,
  offset = 0,
): number {
  let correct = 0;
  for (let r = 0; r < batch; r++)
    if (argmaxRow(probs, r, classes) === labels[offset + r]) correct++;
  return correct;
}
