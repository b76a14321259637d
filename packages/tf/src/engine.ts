/**
 * The TensorFlow.js reference as a TrainingEngine, so nn's one `fit` loop trains it exactly as
 * it trains the custom engine: the same shuffle, the same running means, the same callbacks.
 *
 * tfjs's own dropout RNG cannot be seeded, so unless the caller pins masks, each batch's masks
 * come from nn's one mask maker on a seeded Rng: a tf run is as reproducible as a custom one.
 */
import { type FloatArray, Rng } from '@fmnist/core';
import {
  argmaxRows,
  type BatchTotals,
  type DropoutMasks,
  type DropoutSite,
  drawDropoutMasks,
  type EvaluateResult,
  type InputData,
  type Labels,
  type ModelSpec,
  type TrainingEngine,
} from '@fmnist/nn';
import { sizeOf } from './arrays.js';
import { kerasLayerNames } from './names.js';
import type { StepResult, TfReference } from './reference.js';

/** The fork of the run's seed that draws a tf run's dropout masks. */
export const TF_DROPOUT_FORK = 0xd0;

/** Each Dropout layer of a spec, with its Keras name, units per sample and rate. */
export function dropoutSites(spec: ModelSpec): DropoutSite[] {
  const names = kerasLayerNames(spec);
  const sites: DropoutSite[] = [];
  let units = sizeOf(spec.inputShape);
  spec.layers.forEach((layer, i) => {
    if (layer.type === 'dense') units = layer.units;
    if (layer.type === 'dropout') sites.push({ name: names[i]!, units, rate: layer.rate });
  });
  return sites;
}

export class TfTrainingEngine implements TrainingEngine {
  readonly inputSize: number;
  stopTraining = false;
  readonly #sites: DropoutSite[];
  readonly #rng: Rng;
  readonly #totals: BatchTotals = { lossSum: 0, correct: 0 };
  /** The last training step as tfjs computed it (its training-mode output among it). */
  lastStep: StepResult | null = null;

  constructor(
    readonly reference: TfReference,
    /** Seeds this engine's own dropout masks. */
    seed: number,
  ) {
    this.inputSize = sizeOf(reference.spec.inputShape);
    this.#sites = dropoutSites(reference.spec);
    this.#rng = new Rng(seed).fork(TF_DROPOUT_FORK);
  }

  getWeights(): FloatArray[] {
    return this.reference.getWeights().map((w) => w.values);
  }

  setWeights(weights: readonly ArrayLike<number>[]): void {
    this.reference.setWeights(weights);
  }

  trainBatch(
    x: FloatArray,
    y: Int32Array,
    batch: number,
    _position: { epoch: number; step: number },
    masks?: DropoutMasks,
  ): BatchTotals {
    const dropoutMasks =
      masks ?? (this.#sites.length > 0 ? drawDropoutMasks(this.#sites, batch, this.#rng) : {});
    const result = this.reference.trainStep(
      float32(x.subarray(0, batch * this.inputSize)),
      y.subarray(0, batch),
      { dropoutMasks },
    );
    this.lastStep = result;
    this.#totals.lossSum = result.loss * batch;
    this.#totals.correct = result.accuracy * batch;
    return this.#totals;
  }

  evaluate(x: InputData, y: Labels, options: { batchSize?: number } = {}): EvaluateResult {
    const data = 'data' in x ? x.data : x;
    const { loss, accuracy } = this.reference.evaluate(float32(data), y, options.batchSize ?? 32);
    return { loss, accuracy };
  }

  /** Probabilities [samples × classes] in inference mode. */
  predict(x: FloatArray, options: { batchSize?: number } = {}): Float32Array {
    return this.reference.predict(float32(x), options.batchSize ?? 32);
  }

  predictClasses(x: FloatArray, options: { batchSize?: number } = {}): Int32Array {
    return argmaxRows(this.predict(x, options), this.reference.classes);
  }
}

function float32(x: FloatArray): Float32Array {
  return x instanceof Float32Array ? x : Float32Array.from(x);
}
