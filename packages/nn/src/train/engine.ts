/**
 * What `fit` needs of a model: the small interface through which the one epoch loop
 * (fit.ts) drives either engine. This package's Sequential implements it; so does the
 * TensorFlow.js reference (packages/tf), and the cross-check's pair of both (packages/study).
 */
import type { FloatArray } from '@fmnist/core';
import type { CallbackModel } from '../callbacks.js';
import type { Dtype } from '../dtype.js';
import type { Labels } from '../losses.js';

/**
 * Dropout keep masks by layer name: one 0/1 flag per unit of the batch ([batch × units],
 * row-major). An engine given a layer's mask drops exactly those units (the kept ones scaled
 * by 1 / (1 − rate)), so two engines can drop the very same units.
 */
export type DropoutMasks = Readonly<Record<string, Float32Array>>;

/** A batch's sums, so that the epoch's running means weigh a short last batch less (Keras). */
export interface BatchTotals {
  /** Σ over the batch of −log clip(p[label]). */
  lossSum: number;
  /** How many rows of the batch the model classified correctly (before the update). */
  correct: number;
}

export interface EvaluateResult {
  loss: number;
  accuracy: number;
}

/** Inputs: flat row-major samples, or the same with an explicit shape ([N, 14, 28]). */
export type InputData = FloatArray | { data: FloatArray; shape: readonly number[] };

export interface TrainingEngine extends CallbackModel {
  /** Values per sample (14 × 28 = 392 for a half image). */
  readonly inputSize: number;
  /** The float type of the batch buffer fit gathers into (default float32). */
  readonly dtype?: Dtype;
  /** Runs before the first epoch: the largest batch the engine will be given. */
  prepare?(batchSize: number): void;
  /**
   * One training step on a batch: x holds exactly `batch` rows and y `batch` labels; forward in training mode,
   * loss, backward, one optimizer step. `epoch` and `step` are 1-based, for error messages.
   * Dropout draws its own masks unless `masks` pins them. x and y stay untouched until the next
   * call, so an engine may keep views of them instead of copies.
   */
  trainBatch(
    x: FloatArray,
    y: Int32Array,
    batch: number,
    position: { epoch: number; step: number },
    masks?: DropoutMasks,
  ): BatchTotals;
  /**
   * After each epoch's last batch, before validation and callbacks: bring what callbacks read
   * (the weights) back from a device-resident backend.
   */
  finishEpoch?(): void;
  /** Loss and accuracy over a whole set, in inference mode. */
  evaluate(x: InputData, y: Labels, options?: { batchSize?: number }): EvaluateResult;
}
