import { type FloatArray, JsBackend } from '@fmnist/core';
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

/**
 * The js reference kernels (packages/core/src/js-backend.ts): the loss and the fused gradient of
 * softmax and cross-entropy are written once, there, and the training step calls the same kernels
 * on whatever backend it runs; these functions are their label-array forms.
 */
const reference = new JsBackend();

/** Labels `offset` to `offset + batch` as the floats the kernels read. */
function labelRows(labels: Labels, offset: number, batch: number): Float32Array {
  const rows = new Float32Array(batch);
  for (let r = 0; r < batch; r++) rows[r] = labels[offset + r]!;
  return rows;
}

/** Sum (not mean) over the batch of −log(clip(p[label])): callers weight and divide. */
export function crossEntropySum(
  probs: FloatArray,
  labels: Labels,
  batch: number,
  classes: number,
  offset = 0,
): number {
  return reference.lossAndCorrect(probs, labelRows(labels, offset, batch), batch, classes, EPS)
    .lossSum;
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
  reference.softmaxCrossEntropyBackward(
    probs,
    labelRows(labels, offset, batch),
    out,
    batch,
    classes,
  );
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
  return reference.lossAndCorrect(probs, labelRows(labels, offset, batch), batch, classes, EPS)
    .correct;
}
