/**
 * Sequential: a stack of layers built from a ModelSpec, trained like Keras's `fit`.
 *
 * One training step, for a batch of B rows:
 *   forward   x → layer 1 → … → p (softmax probabilities), each layer keeping what backward needs
 *   loss      L = mean −log clip(p[label])
 *   backward  dL/dz of the softmax Dense from the fused (p − onehot)/B, then each layer's
 *             backward in reverse, writing every weight's gradient
 *   update    the optimizer moves every trainable weight along its gradient
 *
 * Speed: every buffer (the gathered batch, each layer's outputs and gradients) is allocated once
 * for the batch size and reused; the short last batch reads the first rows through views. The
 * first layer with weights skips computing dL/dx, which nobody needs.
 */
import { type Backend, createBackend, type FloatArray, Rng } from '@fmnist/core';
import { type Callback, type CallbackModel, History, type Logs } from './callbacks.js';
import { allocate, type Dtype } from './dtype.js';
import {
  InvalidArgumentError,
  NonFiniteLossError,
  NotCompiledError,
  ShapeMismatchError,
  WeightsMismatchError,
} from './errors.js';
import { BatchNormalization } from './layers/batch-normalization.js';
import { Dense } from './layers/dense.js';
import { Dropout } from './layers/dropout.js';
import { Flatten } from './layers/flatten.js';
import { type Layer, type LayerContext, rows, type Weight } from './layers/layer.js';
import {
  countCorrect,
  crossEntropyGradProbs,
  crossEntropySum,
  type Labels,
  type LossName,
  type MetricName,
  softmaxCrossEntropyGradLogits,
} from './losses.js';
import { LayerNamer } from './naming.js';
import { createOptimizer, type Optimizer } from './optimizers.js';
import { KERAS_DEFAULTS, type ModelSpec, type OptimizerSpec } from './spec.js';
import { formatSummary } from './summary.js';

export interface SequentialOptions {
  /** Seeds the initial weights and the dropout masks; default 0. */
  seed?: number;
  /** Default: createBackend(), i.e. FMNIST_BACKEND or `js`. */
  backend?: Backend;
  /** float32 for training (default); float64 for gradient checks (js backend). */
  dtype?: Dtype;
  /** Share one namer between models to number layers across them as a Keras session does. */
  namer?: LayerNamer;
}

export interface CompileOptions {
  optimizer: OptimizerSpec | Optimizer;
  /** Only sparse categorical cross-entropy on probabilities (the study's loss). */
  loss?: LossName;
  metrics?: MetricName[];
}

/** Inputs: flat row-major samples, or the same with an explicit shape ([N, 14, 28]). */
export type InputData = FloatArray | { data: FloatArray; shape: readonly number[] };

export interface BatchEvent {
  /** 0-based epoch and batch. */
  epoch: number;
  batch: number;
  steps: number;
  /** Running means over the epoch's batches so far. */
  logs: Logs;
  elapsedSeconds: number;
  /** Keras's estimate: the first step is left out once there are more. */
  secondsPerStep: number;
}

export interface EpochEvent {
  epoch: number;
  epochs: number;
  steps: number;
  /** loss, accuracy (running means over the epoch) and val_loss, val_accuracy. */
  logs: Logs;
  /** Training plus validation time of the epoch. */
  elapsedSeconds: number;
  secondsPerStep: number;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  validationData?: [InputData, Labels];
  /** Reshuffle the training set every epoch (default true). */
  shuffle?: boolean;
  /** Seeds the shuffling; default: the model's seed. */
  seed?: number;
  callbacks?: Callback[];
  /**
   * The order in which to visit the samples in `epoch` (0-based): a permutation, or any list of
   * indices. Overrides `shuffle`; used to feed two engines the very same batches.
   */
  batchOrder?: (epoch: number, samples: number) => ArrayLike<number>;
  onEpochBegin?: (epoch: number) => void;
  onBatchEnd?: (event: BatchEvent) => void;
  onEpochEnd?: (event: EpochEvent) => void | Promise<void>;
}

export interface EvaluateResult {
  loss: number;
  accuracy: number;
}

/** A layer's output after the last forward pass. */
export interface LayerActivation {
  layer: string;
  className: string;
  /** [batch, ...outputShape]. */
  shape: number[];
  /** A view of the layer's buffer: valid until the next forward pass. */
  values: FloatArray;
}

export type WeightInput = ArrayLike<number> | { shape: readonly number[]; data: ArrayLike<number> };

const BASE_NAMES: Record<ModelSpec['layers'][number]['type'], string> = {
  flatten: 'flatten',
  dense: 'dense',
  batchNormalization: 'batch_normalization',
  dropout: 'dropout',
};

export class Sequential implements CallbackModel {
  readonly name: string;
  readonly spec: ModelSpec;
  readonly seed: number;
  readonly backend: Backend;
  readonly dtype: Dtype;
  readonly layers: Layer[] = [];
  /** Callbacks set this to end fit after the current epoch. */
  stopTraining = false;

  #optimizer: Optimizer | null = null;
  #metrics: MetricName[] = [];
  readonly #ownsBackend: boolean;
  readonly #trainable: Weight[];
  /** needInputGrad[i]: does some layer before i have trainable weights? */
  readonly #needInputGrad: boolean[];
  readonly #fusedSoftmax: boolean;
  readonly #classes: number;
  #capacity = 0;
  #xBatch: FloatArray = new Float32Array(0);
  #yBatch = new Int32Array(0);
  #dProbs: FloatArray = new Float32Array(0);
  readonly #outputs: FloatArray[];
  #lastBatch = 0;
  #stepLossSum = 0;
  #stepCorrect = 0;

  constructor(spec: ModelSpec, options: SequentialOptions = {}) {
    this.spec = structuredClone(spec);
    this.name = spec.name;
    this.seed = options.seed ?? 0;
    this.#ownsBackend = options.backend === undefined;
    this.backend = options.backend ?? createBackend();
    this.dtype = options.dtype ?? 'float32';
    const namer = options.namer ?? new LayerNamer();
    const root = new Rng(this.seed);
    let shape: readonly number[] = spec.inputShape;
    if (shape.length === 0 || shape.some((d) => !(Number.isInteger(d) && d > 0))) {
      throw new InvalidArgumentError(
        `Model '${spec.name}': inputShape must be positive integers, got [${shape.join(', ')}].`,
      );
    }
    spec.layers.forEach((layerSpec, i) => {
      const name = namer.next(BASE_NAMES[layerSpec.type] ?? layerSpec.type);
      // Each layer draws from its own fork, so adding a layer does not change the others.
      const ctx: LayerContext = { backend: this.backend, dtype: this.dtype, rng: root.fork(i + 1) };
      let layer: Layer;
      switch (layerSpec.type) {
        case 'flatten':
          layer = new Flatten(name, shape);
          break;
        case 'dense':
          layer = new Dense(
            name,
            shape,
            layerSpec.units,
            layerSpec.activation,
            layerSpec.useBias ?? true,
            ctx,
          );
          break;
        case 'batchNormalization':
          layer = new BatchNormalization(
            name,
            shape,
            layerSpec.momentum ?? KERAS_DEFAULTS.batchNormalization.momentum,
            layerSpec.epsilon ?? KERAS_DEFAULTS.batchNormalization.epsilon,
            ctx,
          );
          break;
        case 'dropout':
          layer = new Dropout(name, shape, layerSpec.rate, ctx);
          break;
        default:
          throw new InvalidArgumentError(
            `Model '${spec.name}': unknown layer type '${(layerSpec as { type: string }).type}' ` +
              `at position ${i}; use 'flatten', 'dense', 'batchNormalization' or 'dropout'.`,
          );
      }
      this.layers.push(layer);
      shape = layer.outputShape;
    });
    const last = this.layers[this.layers.length - 1];
    if (!last || shape.length !== 1) {
      throw new InvalidArgumentError(
        `Model '${spec.name}' must end in a layer with flat output (a Dense softmax); ` +
          `its output shape is [${shape.join(', ')}].`,
      );
    }
    this.#classes = shape[0]!;
    this.#fusedSoftmax = last instanceof Dense && last.activation === 'softmax';
    this.#trainable = this.weights.filter((w) => w.trainable);
    let seenWeights = false;
    this.#needInputGrad = this.layers.map((layer) => {
      const need = seenWeights;
      if (layer.weights.some((w) => w.trainable)) seenWeights = true;
      return need;
    });
    this.#outputs = this.layers.map(() => new Float32Array(0));
  }

  /** Shape of one input sample, e.g. [14, 28]. */
  get inputShape(): readonly number[] {
    return this.spec.inputShape;
  }

  get inputSize(): number {
    return this.spec.inputShape.reduce((a, b) => a * b, 1);
  }

  /** Number of classes the model outputs. */
  get classes(): number {
    return this.#classes;
  }

  get optimizer(): Optimizer | null {
    return this.#optimizer;
  }

  /** Every weight, in Keras order (layer by layer; kernel, bias; gamma, beta, moving_mean, moving_variance). */
  get weights(): Weight[] {
    return this.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Weight[] {
    return this.#trainable;
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

  countParams(): { total: number; trainable: number; nonTrainable: number } {
    let trainable = 0;
    let nonTrainable = 0;
    for (const w of this.weights) {
      if (w.trainable) trainable += w.value.length;
      else nonTrainable += w.value.length;
    }
    return { total: trainable + nonTrainable, trainable, nonTrainable };
  }

  /**
   * The summary Keras prints, as text. Like Keras, it lists the optimizer's variables once the
   * optimizer has taken a step; `lineLength` is Keras's (88 unless the terminal is narrower).
   */
  summary(options: { lineLength?: number; showOptimizer?: boolean } = {}): string {
    const { trainable, nonTrainable } = this.countParams();
    const optimizerParams =
      (options.showOptimizer ?? true) ? (this.#optimizer?.countVariables() ?? 0) : 0;
    return formatSummary(
      {
        name: this.name,
        rows: this.layers.map((l) => ({
          layer: `${l.name} (${l.className})`,
          outputShape: `(None, ${l.outputShape.join(', ')})`,
          params: l.countParams(),
        })),
        trainable,
        nonTrainable,
        optimizer: optimizerParams,
        bytesPerParam: 4,
      },
      options.lineLength,
    );
  }

  /** Copies of every weight, in Keras order (what `model.get_weights()` returns, flattened). */
  getWeights(): FloatArray[] {
    return this.weights.map((w) => w.value.slice());
  }

  /**
   * Sets every weight, in Keras order. Each entry is a flat array, or { shape, data } to have
   * its shape checked too. Throws WeightsMismatchError naming the weight and both shapes.
   */
  setWeights(weights: readonly WeightInput[]): void {
    const all = this.weights;
    if (weights.length !== all.length) {
      throw new WeightsMismatchError(
        `Model '${this.name}' has ${all.length} weight arrays (${all.map((w) => w.name).join(', ')}) ` +
          `but setWeights got ${weights.length}; pass them all, in that order.`,
      );
    }
    // Check everything before changing anything, so a bad call leaves the model as it was.
    const data = weights.map((input, i) => {
      const w = all[i]!;
      const hasShape = typeof input === 'object' && input !== null && 'shape' in input;
      const values: ArrayLike<number> = hasShape
        ? (input as { data: ArrayLike<number> }).data
        : (input as ArrayLike<number>);
      const shape = hasShape ? (input as { shape: readonly number[] }).shape : [values.length];
      const count = shape.reduce((a, b) => a * b, 1);
      const shapeOk = hasShape ? sameShape(shape, w.shape) : values.length === w.value.length;
      if (!shapeOk || count !== values.length) {
        throw new WeightsMismatchError(
          `setWeights: weight ${i} '${w.name}' has shape [${w.shape.join(', ')}] ` +
            `(${w.value.length} values) but got shape [${shape.join(', ')}] ` +
            `(${values.length} values); pass the arrays getWeights() returns, in its order.`,
        );
      }
      return values;
    });
    data.forEach((values, i) => {
      all[i]!.value.set(values);
    });
  }

  // ---------------------------------------------------------------------------------------
  // The step-level API: forward, loss, gradients, one optimizer step. fit is built from these;
  // the TensorFlow.js cross-check calls them directly.
  // ---------------------------------------------------------------------------------------

  /**
   * One forward pass over a batch (all of `x`'s rows). Returns the probabilities [batch ×
   * classes] as a view of the model's buffer, valid until the next call; training mode uses
   * batch statistics in BatchNormalization and draws dropout masks.
   */
  forward(x: InputData, options: { training?: boolean } = {}): FloatArray {
    const { data, samples } = this.#checkInput(x, undefined, 'forward');
    this.#ensureCapacity(samples);
    const xb = rows(this.#xBatch, samples * this.inputSize);
    xb.set(data.subarray(0, samples * this.inputSize));
    return this.#forward(xb, samples, options.training ?? false);
  }

  /** Each layer's output after the last forward pass, in layer order. */
  activations(): LayerActivation[] {
    return this.layers.map((l, i) => ({
      layer: l.name,
      className: l.className,
      shape: [this.#lastBatch, ...l.outputShape],
      values: this.#outputs[i]!,
    }));
  }

  /**
   * Forward (training mode by default), loss, and backward for one batch, without updating
   * anything but BatchNormalization's moving statistics. Returns the loss; the gradients are
   * in `trainableWeights[i].grad` and `getGradients()`.
   */
  computeGradients(x: InputData, y: Labels, options: { training?: boolean } = {}): number {
    this.#requireCompiled('computeGradients');
    const { samples } = this.#checkInput(x, y, 'computeGradients');
    const probs = this.forward(x, { training: options.training ?? true });
    const loss = crossEntropySum(probs, y, samples, this.#classes) / samples;
    this.#backward(probs, y, samples, 0);
    return loss;
  }

  /** The gradients of the last backward pass, one copy per trainable weight, in Keras order. */
  getGradients(): FloatArray[] {
    return this.#trainable.map((w) => w.grad!.slice());
  }

  /** One optimizer step with the gradients of the last backward pass. */
  applyGradients(): void {
    this.#requireCompiled('applyGradients').applyGradients(this.#trainable);
  }

  /** Keras's train_on_batch: one step on the batch; loss and accuracy before the update. */
  trainOnBatch(x: InputData, y: Labels): EvaluateResult {
    const { data, samples } = this.#checkInput(x, y, 'trainOnBatch');
    this.#requireCompiled('trainOnBatch');
    this.#ensureCapacity(samples);
    const xb = rows(this.#xBatch, samples * this.inputSize);
    xb.set(data.subarray(0, samples * this.inputSize));
    const yb = this.#yBatch;
    for (let r = 0; r < samples; r++) yb[r] = y[r]!;
    this.#trainStep(xb, samples, 1, 1);
    return { loss: this.#stepLossSum / samples, accuracy: this.#stepCorrect / samples };
  }

  // ---------------------------------------------------------------------------------------
  // fit / evaluate / predict
  // ---------------------------------------------------------------------------------------

  async fit(x: InputData, y: Labels, options: FitOptions = {}): Promise<History> {
    this.#requireCompiled('fit');
    const { data, samples } = this.#checkInput(x, y, 'fit');
    const epochs = options.epochs ?? 1;
    const batchSize = options.batchSize ?? 32;
    checkCount('epochs', epochs, 0);
    checkCount('batchSize', batchSize, 1);
    if (samples === 0) throw new InvalidArgumentError('fit got no samples; pass at least one.');
    const validation = options.validationData;
    if (validation) this.#checkInput(validation[0], validation[1], 'fit validationData');
    const callbacks = options.callbacks ?? [];
    for (const cb of callbacks) cb.setModel?.(this);

    this.#ensureCapacity(batchSize);
    const inSize = this.inputSize;
    const order = new Uint32Array(samples);
    const shuffleRng = new Rng(options.seed ?? this.seed).fork(0x5eed);
    const steps = Math.ceil(samples / batchSize);
    const history = new History();
    this.stopTraining = false;

    for (const cb of callbacks) await cb.onTrainBegin?.();
    for (let epoch = 0; epoch < epochs; epoch++) {
      options.onEpochBegin?.(epoch);
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
      if (options.batchOrder) {
        const given = options.batchOrder(epoch, samples);
        if (given.length !== samples) {
          throw new InvalidArgumentError(
            `batchOrder returned ${given.length} indices for ${samples} samples; return one per sample.`,
          );
        }
        for (let i = 0; i < samples; i++) {
          const idx = given[i]!;
          if (!(Number.isInteger(idx) && idx >= 0 && idx < samples)) {
            throw new InvalidArgumentError(
              `batchOrder returned index ${idx} at position ${i}; indices must be integers in [0, ${samples - 1}].`,
            );
          }
          order[i] = idx;
        }
      } else {
        for (let i = 0; i < samples; i++) order[i] = i;
        if (options.shuffle ?? true) shuffleRng.shuffle(order);
      }

      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      const start = performance.now();
      let afterFirstStep = start;
      const wantBatchEvents =
        options.onBatchEnd !== undefined || callbacks.some((c) => c.onBatchEnd);
      for (let step = 0; step < steps; step++) {
        const first = step * batchSize;
        const batch = Math.min(batchSize, samples - first);
        // Gather the batch's rows into the reusable buffer (the only copy of the input).
        const xb = rows(this.#xBatch, batch * inSize);
        const yb = this.#yBatch;
        for (let r = 0; r < batch; r++) {
          const idx = order[first + r]!;
          const src = idx * inSize;
          const dst = r * inSize;
          for (let j = 0; j < inSize; j++) xb[dst + j] = data[src + j]!;
          yb[r] = y[idx]!;
        }
        this.#trainStep(xb, batch, epoch + 1, step + 1);
        lossSum += this.#stepLossSum;
        correct += this.#stepCorrect;
        seen += batch;
        if (step === 0) afterFirstStep = performance.now();
        if (wantBatchEvents) {
          const logs = this.#epochLogs(lossSum, correct, seen);
          const now = performance.now();
          const event: BatchEvent = {
            epoch,
            batch: step,
            steps,
            logs,
            elapsedSeconds: (now - start) / 1000,
            secondsPerStep: secondsPerStep(start, afterFirstStep, now, step + 1),
          };
          options.onBatchEnd?.(event);
          for (const cb of callbacks) cb.onBatchEnd?.(step, logs);
        }
      }
      const logs = this.#epochLogs(lossSum, correct, seen);
      const trainEnd = performance.now();
      if (validation) {
        const v = this.evaluate(validation[0], validation[1], { batchSize });
        if (this.#metrics.includes('accuracy')) logs.val_accuracy = v.accuracy;
        logs.val_loss = v.loss;
      }
      const end = performance.now();
      history.record(epoch, logs);
      await options.onEpochEnd?.({
        epoch,
        epochs,
        steps,
        logs: { ...logs },
        elapsedSeconds: (end - start) / 1000,
        secondsPerStep: secondsPerStep(start, afterFirstStep, trainEnd, steps),
      });
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, { ...logs });
      if (this.stopTraining) break;
    }
    for (const cb of callbacks) await cb.onTrainEnd?.();
    return history;
  }

  /** Loss and accuracy over the whole set, in inference mode, batch by batch. */
  evaluate(x: InputData, y: Labels, options: { batchSize?: number } = {}): EvaluateResult {
    const { samples } = this.#checkInput(x, y, 'evaluate');
    let lossSum = 0;
    let correct = 0;
    this.#inferBatches(x, samples, options.batchSize ?? 32, (probs, first, batch) => {
      lossSum += crossEntropySum(probs, y, batch, this.#classes, first);
      correct += countCorrect(probs, y, batch, this.#classes, first);
    });
    return { loss: lossSum / samples, accuracy: correct / samples };
  }

  /** Probabilities [samples × classes] in inference mode. */
  predict(x: InputData, options: { batchSize?: number } = {}): Float32Array {
    const { samples } = this.#checkInput(x, undefined, 'predict');
    const out = new Float32Array(samples * this.#classes);
    this.#inferBatches(x, samples, options.batchSize ?? 32, (probs, first) => {
      out.set(probs, first * this.#classes);
    });
    return out;
  }

  /** The predicted class of every sample (argmax of predict, first on ties). */
  predictClasses(x: InputData, options: { batchSize?: number } = {}): Int32Array {
    const { samples } = this.#checkInput(x, undefined, 'predictClasses');
    const out = new Int32Array(samples);
    this.#inferBatches(x, samples, options.batchSize ?? 32, (probs, first, batch) => {
      const c = this.#classes;
      for (let r = 0; r < batch; r++) {
        let best = 0;
        for (let k = 1; k < c; k++) if (probs[r * c + k]! > probs[r * c + best]!) best = k;
        out[first + r] = best;
      }
    });
    return out;
  }

  /** Releases the backend if the model created it. */
  dispose(): void {
    if (this.#ownsBackend) this.backend.dispose();
  }

  // ---------------------------------------------------------------------------------------
  // internals
  // ---------------------------------------------------------------------------------------

  #forward(x: FloatArray, batch: number, training: boolean): FloatArray {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      h = this.layers[i]!.forward(h, batch, training);
      this.#outputs[i] = h;
    }
    this.#lastBatch = batch;
    return h;
  }

  /** Backward from the loss through every layer; labels start at `offset` in `labels`. */
  #backward(probs: FloatArray, labels: Labels, batch: number, offset: number): void {
    const last = this.layers.length - 1;
    const lastLayer = this.layers[last]!;
    let grad: FloatArray | null;
    if (this.#fusedSoftmax) {
      const dense = lastLayer as Dense;
      const dz = dense.dzBuffer(batch);
      softmaxCrossEntropyGradLogits(probs, labels, batch, this.#classes, dz, offset);
      grad = dense.backwardFromZ(dz, batch, this.#needInputGrad[last]!);
    } else {
      const dp = rows(this.#dProbs, batch * this.#classes);
      crossEntropyGradProbs(probs, labels, batch, this.#classes, dp, offset);
      grad = lastLayer.backward(dp, batch, this.#needInputGrad[last]!);
    }
    for (let i = last - 1; i >= 0 && grad; i--) {
      grad = this.layers[i]!.backward(grad, batch, this.#needInputGrad[i]!);
    }
  }

  /**
   * One step on the gathered batch (xBatch, yBatch); epoch and step are 1-based, for errors.
   * The batch's loss sum and correct count land in #stepLossSum / #stepCorrect rather than in
   * a returned object, so the training loop allocates nothing per batch.
   */
  #trainStep(xb: FloatArray, batch: number, epoch: number, step: number): void {
    const probs = this.#forward(xb, batch, true);
    const yb = this.#yBatch;
    const lossSum = crossEntropySum(probs, yb, batch, this.#classes);
    if (!Number.isFinite(lossSum)) throw new NonFiniteLossError(epoch, step, lossSum / batch);
    this.#stepLossSum = lossSum;
    this.#stepCorrect = countCorrect(probs, yb, batch, this.#classes);
    this.#backward(probs, yb, batch, 0);
    this.#optimizer!.applyGradients(this.#trainable);
  }

  #inferBatches(
    x: InputData,
    samples: number,
    batchSize: number,
    visit: (probs: FloatArray, first: number, batch: number) => void,
  ): void {
    checkCount('batchSize', batchSize, 1);
    const data = 'data' in x ? x.data : x;
    const inSize = this.inputSize;
    this.#ensureCapacity(Math.min(batchSize, Math.max(samples, 1)));
    for (let first = 0; first < samples; first += batchSize) {
      const batch = Math.min(batchSize, samples - first);
      const xb = rows(this.#xBatch, batch * inSize);
      xb.set(data.subarray(first * inSize, (first + batch) * inSize));
      visit(this.#forward(xb, batch, false), first, batch);
    }
  }

  #epochLogs(lossSum: number, correct: number, seen: number): Logs {
    // Keras's loss tracker and accuracy are means over samples (its tracker is weighted by the
    // batch size, so a short last batch weighs less). Keys in Keras's (sorted) order.
    const logs: Logs = {};
    if (this.#metrics.includes('accuracy')) logs.accuracy = correct / seen;
    logs.loss = lossSum / seen;
    return logs;
  }

  #ensureCapacity(batch: number): void {
    if (batch <= this.#capacity) return;
    this.#capacity = batch;
    for (const layer of this.layers) layer.allocate(batch);
    this.#xBatch = allocate(this.dtype, batch * this.inputSize);
    this.#yBatch = new Int32Array(batch);
    this.#dProbs = allocate(this.dtype, batch * this.#classes);
  }

  #requireCompiled(what: string): Optimizer {
    if (!this.#optimizer) throw new NotCompiledError(`${what}()`);
    return this.#optimizer;
  }

  /** Checks x (and y) against the model's input shape; returns the flat data and sample count. */
  #checkInput(
    x: InputData,
    y: Labels | undefined,
    what: string,
  ): { data: FloatArray; samples: number } {
    const inSize = this.inputSize;
    const first = this.layers[0]!;
    const where = `${this.name}: ${what}: layer '${first.name}' (${first.className}) input`;
    const expected = (n: number | string) => [n, ...this.inputShape] as number[];
    let data: FloatArray;
    let samples: number;
    if ('data' in x) {
      data = x.data;
      const [n, ...rest] = x.shape;
      if (n === undefined || !sameShape(rest, this.inputShape)) {
        throw new ShapeMismatchError(where, expected(n ?? 0), [...x.shape]);
      }
      samples = n;
      if (data.length !== n * inSize) {
        throw new ShapeMismatchError(
          where,
          [...x.shape],
          [data.length],
          'the data length disagrees with its shape',
        );
      }
    } else {
      data = x;
      samples = y ? y.length : data.length / inSize;
      if (data.length !== samples * inSize) {
        const actual =
          samples > 0 && Number.isInteger(data.length / samples)
            ? [samples, data.length / samples]
            : [data.length];
        throw new ShapeMismatchError(where, expected(samples), actual);
      }
    }
    if (y) {
      if (y.length !== samples) {
        throw new ShapeMismatchError(
          `${this.name}: ${what}: labels`,
          [samples],
          [y.length],
          'pass one label per sample',
        );
      }
      for (let i = 0; i < y.length; i++) {
        const label = y[i]!;
        if (!(Number.isInteger(label) && label >= 0 && label < this.#classes)) {
          throw new InvalidArgumentError(
            `${this.name}: ${what}: label ${label} at index ${i} is not a class in [0, ${this.#classes - 1}]; ` +
              'pass integer class labels.',
          );
        }
      }
    }
    return { data, samples };
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function checkCount(what: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) {
    throw new InvalidArgumentError(`${what} must be an integer >= ${min}, got ${value}.`);
  }
}

/** Keras's step-time estimate: leave the first (warm-up) step out once there are more. */
function secondsPerStep(start: number, afterFirst: number, now: number, step: number): number {
  if (step > 1) return (now - afterFirst) / 1000 / (step - 1);
  return (now - start) / 1000 / Math.max(step, 1);
}
