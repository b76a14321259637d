/**
 * The trainer of a Sequential model: what Keras's `compile` sets up (the optimizer, the
 * metrics) and what training, evaluation and prediction do with the model's layers. The model
 * is the stack (its forward and backward passes, its weights); the trainer owns the batch
 * buffers, the optimizer, and the one training step every caller goes through.
 *
 * One step, `step(x, y, { training, taps, apply })`, for a batch of B rows:
 *   forward   x → layer 1 → … → p (training mode by default: batch statistics, dropout)
 *   loss      L = mean −log clip(p[label]) + the layers' penalties (L2)
 *   backward  every weight's gradient (and with `taps`, every layer's output, dL/dy and dL/dx)
 *   update    with `apply` (the default), the optimizer's step on every trainable weight
 * Keras's train_on_batch is `step(x, y)`; a gradient check is `step(x, y, { apply: false })`.
 * `fit` drives the same step through `trainBatch`, the TrainingEngine seam.
 */
import type { FloatArray } from '@fmnist/core';
import type { History } from '../callbacks.js';
import { allocate } from '../dtype.js';
import { InvalidArgumentError, NonFiniteLossError, NotCompiledError } from '../errors.js';
import { Dropout } from '../layers/dropout.js';
import { leading } from '../layers/layer.js';
import {
  argmaxRows,
  crossEntropySum,
  type Labels,
  type LossName,
  type MetricName,
} from '../losses.js';
import { checkInput } from '../model/input-check.js';
import type { LayerTaps } from '../model/types.js';
import { createOptimizer, type Optimizer } from '../optimizers.js';
import type { Sequential } from '../sequential.js';
import { KERAS_DEFAULTS, type OptimizerSpec } from '../spec.js';
import type {
  BatchTotals,
  DropoutMasks,
  EvaluateResult,
  InputData,
  TrainingEngine,
} from './engine.js';
import { checkCount, type FitOptions, fit } from './fit.js';

/** Keras's clip of p before the log of the cross-entropy. */
const EPS = KERAS_DEFAULTS.crossEntropyClip;

export interface CompileOptions {
  optimizer: OptimizerSpec | Optimizer;
  /** Only sparse categorical cross-entropy on probabilities (the study's loss). */
  loss?: LossName;
  metrics?: MetricName[];
}

export interface StepOptions {
  /** Training mode (batch statistics, dropout masks drawn); default true. */
  training?: boolean;
  /** Copy every layer's output and the gradients arriving at and leaving it; default false. */
  taps?: boolean;
  /** Take the optimizer's step with the gradients; default true. */
  apply?: boolean;
}

export interface StepResult extends EvaluateResult {
  /** With `taps`: each layer's output and gradients, in layer order. */
  taps?: LayerTaps;
}

export class Trainer implements TrainingEngine {
  readonly #model: Sequential;
  #optimizer: Optimizer | null = null;
  #metrics: MetricName[] = [];
  #capacity = 0;
  #xBatch: FloatArray = new Float32Array(0);
  #yBatch = new Int32Array(0);
  /** The batch's labels as floats: the backend array the loss head reads. */
  #labelBatch: Float32Array = new Float32Array(0);
  /** The last step's sums, reused so that a training step allocates nothing. */
  readonly #totals: BatchTotals = { lossSum: 0, correct: 0 };

  constructor(model: Sequential) {
    this.#model = model;
  }

  get inputSize(): number {
    return this.#model.inputSize;
  }

  get dtype() {
    return this.#model.dtype;
  }

  /** fit's callbacks set this on the model (EarlyStopping); the trainer reads it there. */
  get stopTraining(): boolean {
    return this.#model.stopTraining;
  }

  set stopTraining(stop: boolean) {
    this.#model.stopTraining = stop;
  }

  get optimizer(): Optimizer | null {
    return this.#optimizer;
  }

  getWeights(): FloatArray[] {
    return this.#model.getWeights();
  }

  setWeights(weights: readonly FloatArray[]): void {
    this.#model.setWeights(weights);
  }

  compile(options: CompileOptions): void {
    const loss = options.loss ?? 'sparse_categorical_crossentropy';
    if (loss !== 'sparse_categorical_crossentropy') {
      throw new InvalidArgumentError(
        `Unsupported loss '${loss}'; this engine implements 'sparse_categorical_crossentropy'.`,
      );
    }
    const metrics = options.metrics ?? ['accuracy'];
    for (const m of metrics) {
      if (m !== 'accuracy') {
        throw new InvalidArgumentError(`Unsupported metric '${m}'; use 'accuracy'.`);
      }
    }
    this.#metrics = [...metrics];
    // A fresh optimizer each time, as Keras's compile: re-compiling resets Adam's moments.
    const opt = options.optimizer;
    this.#optimizer = 'applyGradients' in opt ? opt : createOptimizer(opt);
  }

  /**
   * One forward pass over a batch (all of `x`'s rows). Returns the probabilities [batch ×
   * classes] as a view of the model's buffer, valid until the next call. `fromLayer` runs the
   * layers from that index on, the earlier ones keeping their outputs of the last pass, which
   * must have been on this same `x` (a probe of a later layer's weights).
   */
  forward(x: InputData, options: { training?: boolean; fromLayer?: number } = {}): FloatArray {
    const { samples } = checkInput(this.#model, x, undefined, 'forward');
    const from = options.fromLayer ?? 0;
    if (!(Number.isInteger(from) && from >= 0 && from < this.#model.layers.length)) {
      throw new InvalidArgumentError(
        `forward's fromLayer must be a layer index in [0, ${this.#model.layers.length - 1}], got ${from}.`,
      );
    }
    const xb = this.#upload(x, 0, samples);
    return this.#model.backend.read(
      this.#model.forwardPass(xb, samples, options.training ?? false, from),
    );
  }

  /**
   * The one training step (see the top of this file). Returns the batch's loss and accuracy
   * before any update. Without `apply`, nothing changes but BatchNormalization's moving
   * statistics (in training mode, as Keras does) and the gradients, left in
   * `trainableWeights[i].grad`. Weights are synced to the host before it returns.
   */
  step(x: InputData, y: Labels, options: StepOptions = {}): StepResult {
    const { samples } = checkInput(this.#model, x, y, 'step');
    const optimizer = this.#requireCompiled('step');
    const model = this.#model;
    const xb = this.#upload(x, 0, samples);
    const yb = this.#yBatch;
    for (let r = 0; r < samples; r++) yb[r] = y[r]!;
    const apply = options.apply ?? true;
    const training = options.training ?? true;
    let result: StepResult;
    if (apply && training && !options.taps) {
      const { lossSum, correct } = this.#trainStep(xb, yb, samples, 1, 1);
      result = { loss: lossSum / samples, accuracy: correct / samples };
    } else {
      const labels = this.#labels(yb, 0, samples);
      const probs = model.backend.read(model.forwardPass(xb, samples, training));
      // Read back whole, the loss is summed on the host in double precision, as the reference.
      const outputs = options.taps ? model.layerOutputs() : undefined;
      const loss = crossEntropySum(probs, yb, samples, model.classes) / samples + model.penalty();
      const correct = countCorrect(probs, yb, samples, model.classes);
      const taps: LayerTaps | undefined = outputs && {
        loss,
        outputs,
        gradOutputs: new Array(model.layers.length),
        gradInputs: new Array(model.layers.length),
      };
      model.backwardPass(probs, labels, samples, taps);
      if (apply) optimizer.applyGradients(model.trainableWeights, model.backend);
      result = { loss, accuracy: correct / samples, ...(taps ? { taps } : {}) };
    }
    model.syncWeights();
    return result;
  }

  /** One optimizer step with the gradients of the last backward pass. */
  applyGradients(): void {
    this.#requireCompiled('applyGradients').applyGradients(
      this.#model.trainableWeights,
      this.#model.backend,
    );
    this.#model.syncWeights();
  }

  /** TrainingEngine: before the first epoch, the largest batch fit will hand over. */
  prepare(batchSize: number): void {
    this.#requireCompiled('fit');
    this.#ensureCapacity(batchSize);
  }

  /** TrainingEngine: what fit calls, once per batch (x and y gathered by fit). */
  trainBatch(
    x: FloatArray,
    y: Int32Array,
    batch: number,
    position: { epoch: number; step: number },
    masks?: DropoutMasks,
  ): BatchTotals {
    if (!masks) return this.#trainStep(x, y, batch, position.epoch, position.step);
    const pinned = this.#model.layers.filter(
      (l): l is Dropout => l instanceof Dropout && !!masks[l.name],
    );
    for (const layer of pinned) layer.setFixedMask(masks[layer.name]!);
    try {
      return this.#trainStep(x, y, batch, position.epoch, position.step);
    } finally {
      for (const layer of pinned) layer.setFixedMask(null);
    }
  }

  /** TrainingEngine: fit's end-of-epoch hook (before validation and callbacks). */
  finishEpoch(): void {
    this.#model.syncWeights();
  }

  /** Keras's fit: the one epoch loop of fit.ts, driving this trainer. */
  async fit(x: InputData, y: Labels, options: FitOptions = {}): Promise<History> {
    this.#requireCompiled('fit');
    checkInput(this.#model, x, y, 'fit');
    const validation = options.validationData;
    if (validation) checkInput(this.#model, validation[0], validation[1], 'fit validationData');
    return fit(
      this,
      x,
      y,
      { accuracy: this.#metrics.includes('accuracy'), ...options },
      { seed: this.#model.seed },
    );
  }

  /** Loss and accuracy over the whole set, in inference mode, batch by batch. */
  evaluate(x: InputData, y: Labels, options: { batchSize?: number } = {}): EvaluateResult {
    const { samples } = checkInput(this.#model, x, y, 'evaluate');
    const model = this.#model;
    let lossSum = 0;
    let correct = 0;
    this.#inferBatches(x, samples, options.batchSize ?? 32, (probs, first, batch) => {
      const labels = this.#labels(y, first, batch);
      const sums = model.backend.lossAndCorrect(probs, labels, batch, model.classes, EPS);
      lossSum += sums.lossSum;
      correct += sums.correct;
    });
    // Keras's evaluate adds the regularization losses to every batch's mean loss.
    return { loss: lossSum / samples + model.penalty(), accuracy: correct / samples };
  }

  /** Probabilities [samples × classes] in inference mode. */
  predict(x: InputData, options: { batchSize?: number } = {}): Float32Array {
    const { samples } = checkInput(this.#model, x, undefined, 'predict');
    const classes = this.#model.classes;
    const out = new Float32Array(samples * classes);
    this.#inferBatches(x, samples, options.batchSize ?? 32, (probs, first) => {
      out.set(this.#model.backend.read(probs), first * classes);
    });
    return out;
  }

  /** The predicted class of every sample (argmax of predict, first on ties). */
  predictClasses(x: InputData, options: { batchSize?: number } = {}): Int32Array {
    const { samples } = checkInput(this.#model, x, undefined, 'predictClasses');
    const out = new Int32Array(samples);
    this.#inferBatches(x, samples, options.batchSize ?? 32, (probs, first) => {
      argmaxRows(this.#model.backend.read(probs), this.#model.classes, out, first);
    });
    return out;
  }

  /** Rows [first, first + batch) of x into the batch buffer, handed to the backend. */
  #upload(x: InputData, first: number, batch: number): FloatArray {
    const data = 'data' in x ? x.data : x;
    const inSize = this.#model.inputSize;
    this.#ensureCapacity(batch);
    const xb = leading(this.#xBatch, batch * inSize);
    xb.set(data.subarray(first * inSize, (first + batch) * inSize));
    this.#model.backend.write(xb);
    return xb;
  }

  /**
   * `batch` labels from `offset` of `y` as floats in the label buffer (the array the loss head
   * and lossAndCorrect read), handed to the backend as the batch's upload.
   */
  #labels(y: Labels, offset: number, batch: number): Float32Array {
    if (this.#labelBatch.length < batch) this.#labelBatch = new Float32Array(batch);
    const labels = leading(this.#labelBatch, batch) as Float32Array;
    for (let r = 0; r < batch; r++) labels[r] = y[offset + r]!;
    this.#model.backend.write(labels);
    return labels;
  }

  /**
   * A training step on the gathered batch; epoch and step are 1-based, for errors. The batch's
   * loss sum and correct count land in the reused #totals, so fit allocates nothing per batch.
   */
  #trainStep(
    xb: FloatArray,
    yb: Int32Array,
    batch: number,
    epoch: number,
    step: number,
  ): BatchTotals {
    const model = this.#model;
    const { backend } = model;
    backend.write(xb);
    const labels = this.#labels(yb, 0, batch);
    const probs = model.forwardPass(xb, batch, true);
    // The one read-back of a step on a device-resident backend: two numbers (and the column
    // sums of an L2-regularised kernel, which the penalty needs).
    const sums = backend.lossAndCorrect(probs, labels, batch, model.classes, EPS);
    // Keras's loss: the batch's mean cross-entropy plus the penalties at the weights it used;
    // fit's running mean weighs each batch by its rows, so the sum carries penalty·batch.
    const lossSum = sums.lossSum + model.penalty() * batch;
    if (!Number.isFinite(lossSum)) throw new NonFiniteLossError(epoch, step, lossSum / batch);
    this.#totals.lossSum = lossSum;
    this.#totals.correct = sums.correct;
    model.backwardPass(probs, labels, batch);
    this.#optimizer!.applyGradients(model.trainableWeights, backend);
    return this.#totals;
  }

  #inferBatches(
    x: InputData,
    samples: number,
    batchSize: number,
    visit: (probs: FloatArray, first: number, batch: number) => void,
  ): void {
    checkCount('batchSize', batchSize, 1);
    this.#ensureCapacity(Math.min(batchSize, Math.max(samples, 1)));
    for (let first = 0; first < samples; first += batchSize) {
      const batch = Math.min(batchSize, samples - first);
      const xb = this.#upload(x, first, batch);
      visit(this.#model.forwardPass(xb, batch, false), first, batch);
    }
  }

  #ensureCapacity(batch: number): void {
    if (batch <= this.#capacity) return;
    this.#capacity = batch;
    this.#model.allocate(batch);
    this.#xBatch = allocate(this.#model.dtype, batch * this.#model.inputSize);
    this.#yBatch = new Int32Array(batch);
  }

  #requireCompiled(what: string): Optimizer {
    if (!this.#optimizer) throw new NotCompiledError(`${what}()`);
    return this.#optimizer;
  }
}

function countCorrect(probs: FloatArray, labels: Int32Array, batch: number, classes: number) {
  const predicted = new Int32Array(batch);
  argmaxRows(probs, classes, predicted, 0);
  let correct = 0;
  for (let r = 0; r < batch; r++) if (predicted[r] === labels[r]) correct++;
  return correct;
}
