import { type Backend, type FloatArray, JsBackend, Rng } from '@fmnist/core';
import type { History } from './callbacks.js';
import { allocate, type Dtype } from './dtype.js';
import {
  InvalidArgumentError,
  NonFiniteLossError,
  NotCompiledError,
  ShapeMismatchError,
  WeightsMismatchError,
} from './errors.js';
import { Dropout } from './layers/dropout.js';
import { type Layer, type LayerContext, rows, type Weight } from './layers/layer.js';
import type { LayerType } from './layers/layer-type.js';
import { layerType } from './layers/registry.js';
import {
  argmaxRows,
  crossEntropySum,
  type Labels,
  type LossName,
  type MetricName,
} from './losses.js';
import { type LossHead, lossHead } from './model/head.js';
import { LayerNamer } from './naming.js';
import { createOptimizer, type Optimizer } from './optimizers.js';
import { KERAS_DEFAULTS, type ModelSpec, type OptimizerSpec } from './spec.js';
import { formatSummary } from './summary.js';
import type {
  BatchTotals,
  DropoutMasks,
  EvaluateResult,
  InputData,
  TrainingEngine,
} from './train/engine.js';
import { checkCount, type FitOptions, fit } from './train/fit.js';

/**
 * The maths of this module, at the top of its file (docs/architecture.md); `fmnist explain` quotes it
 * word for word.
 */
export const SEQUENTIAL_FORMULA = `
Sequential: a stack of layers built from a ModelSpec, trained like Keras's \`fit\`.

One training step, for a batch of B rows:
  forward   x → layer 1 → … → p (softmax probabilities), each layer keeping what backward needs
  loss      L = mean −log clip(p[label])
  backward  dL/dz of the softmax Dense from the fused (p − onehot)/B, then each layer's
            backward in reverse, writing every weight's gradient
  update    the optimizer moves every trainable weight along its gradient

Speed: every buffer (the gathered batch, each layer's outputs and gradients) is allocated once
for the batch size and reused; the short last batch reads the first rows through views. The
first layer with weights skips computing dL/dx, which nobody needs.
`.slice(1, -1);

export interface SequentialOptions {
  /** Seeds the initial weights and the dropout masks; default 0. */
  seed?: number;
  /** Default: the readable js backend (pass a GpuJsBackend from @fmnist/core/gpujs for gpu.js). */
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

/** A layer's output after the last forward pass. */
export interface LayerActivation {
  layer: string;
  className: string;
  /** [batch, ...outputShape]. */
  shape: number[];
  /** A view of the layer's buffer: valid until the next forward pass. */
  values: FloatArray;
}

/** What `tapGradients` copies out, per layer in layer order. */
export interface LayerTaps {
  /** The batch's mean loss. */
  loss: number;
  /** Each layer's output [batch × outputSize]. */
  outputs: Float32Array[];
  /** dL/dy arriving at each layer (for the softmax Dense: dL/dz, from the loss head). */
  gradOutputs: Float32Array[];
  /** dL/dx each layer passes down. */
  gradInputs: Float32Array[];
}

export type WeightInput = ArrayLike<number> | { shape: readonly number[]; data: ArrayLike<number> };

/** Keras's clip of p before the log of the cross-entropy. */
const EPS = KERAS_DEFAULTS.crossEntropyClip;

export class Sequential implements TrainingEngine {
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
  readonly #head: LossHead;
  readonly #classes: number;
  #capacity = 0;
  #xBatch: FloatArray = new Float32Array(0);
  #yBatch = new Int32Array(0);
  /** The batch's labels as floats: the backend array the loss head reads. */
  #labelBatch: Float32Array = new Float32Array(0);
  readonly #outputs: FloatArray[];
  #lastBatch = 0;
  /** The last step's sums, reused so that a training step allocates nothing. */
  readonly #totals: BatchTotals = { lossSum: 0, correct: 0 };

  constructor(spec: ModelSpec, options: SequentialOptions = {}) {
    this.spec = structuredClone(spec);
    this.name = spec.name;
    this.seed = options.seed ?? 0;
    this.#ownsBackend = options.backend === undefined;
    this.backend = options.backend ?? new JsBackend();
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
      let type: LayerType;
      try {
        type = layerType(layerSpec);
      } catch (error) {
        throw new InvalidArgumentError(
          `Model '${spec.name}': ${(error as Error).message.replace(/;/, ` at position ${i};`)}`,
        );
      }
      const name = namer.next(type.baseName);
      // Each layer draws from its own fork, so adding a layer does not change the others.
      const ctx: LayerContext = { backend: this.backend, dtype: this.dtype, rng: root.fork(i + 1) };
      const layer = type.build(layerSpec, name, shape, ctx);
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
    this.#head = lossHead(last, this.#classes, this.dtype, this.backend);
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
    return this.weights.map((w) => this.backend.read(w.value).slice());
  }

  /**
   * Brings every weight's host copy (`weights[i].value`, and `grad`) up to date. A
   * device-resident backend keeps them on its device while training: fit calls this after
   * every epoch (before validation and callbacks) and at the end, and every step-level call
   * (trainOnBatch, computeGradients, tapGradients, applyGradients) before it returns, so
   * `weights` is current whenever control comes back to the caller, except inside fit's
   * per-batch callbacks, which should call this first if they look at weights. Nothing to do on
   * a host backend.
   */
  syncWeights(): void {
    for (const w of this.weights) {
      this.backend.read(w.value);
      if (w.grad) this.backend.read(w.grad);
    }
  }

  /** TrainingEngine: fit's end-of-epoch hook (before validation and callbacks). */
  finishEpoch(): void {
    this.syncWeights();
  }

  /**
   * After changing `weights[i].value` in place (a finite-difference probe), tells the backend,
   * so that a device-resident one uploads it before its next kernel. setWeights does this.
   */
  weightsChanged(...changed: Weight[]): void {
    for (const w of changed.length > 0 ? changed : this.weights) this.backend.write(w.value);
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
      this.backend.write(all[i]!.value);
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
    this.backend.write(xb);
    return this.backend.read(this.#forward(xb, samples, options.training ?? false));
  }

  /** Each layer's output after the last forward pass, in layer order. */
  activations(): LayerActivation[] {
    return this.layers.map((l, i) => ({
      layer: l.name,
      className: l.className,
      shape: [this.#lastBatch, ...l.outputShape],
      values: this.backend.read(this.#outputs[i]!),
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
    const loss = crossEntropySum(probs, y, samples, this.#classes) / samples + this.#penalty();
    this.#backward(probs, this.#labels(y, 0, samples), samples);
    this.syncWeights();
    return loss;
  }

  /**
   * One forward and backward pass with every layer's output and gradients copied out: the
   * public seam for explain, gradient checks and the cross-check, so none of them re-walks the
   * layers. Unlike training, dL/dx is computed for every layer, even the first. The weights'
   * gradients are left in `trainableWeights[i].grad`; nothing is updated but
   * BatchNormalization's moving statistics (in training mode, as Keras does).
   */
  tapGradients(x: InputData, y: Labels, options: { training?: boolean } = {}): LayerTaps {
    this.#requireCompiled('tapGradients');
    const { samples } = this.#checkInput(x, y, 'tapGradients');
    const probs = this.forward(x, { training: options.training ?? true });
    const outputs = this.#outputs.map((o) => Float32Array.from(this.backend.read(o)));
    const loss = crossEntropySum(probs, y, samples, this.#classes) / samples + this.#penalty();
    const taps: LayerTaps = {
      loss,
      outputs,
      gradOutputs: new Array(this.layers.length),
      gradInputs: new Array(this.layers.length),
    };
    this.#backward(probs, this.#labels(y, 0, samples), samples, taps);
    this.syncWeights();
    return taps;
  }

  /** The gradients of the last backward pass, one copy per trainable weight, in Keras order. */
  getGradients(): FloatArray[] {
    return this.#trainable.map((w) => this.backend.read(w.grad!).slice());
  }

  /** One optimizer step with the gradients of the last backward pass. */
  applyGradients(): void {
    this.#requireCompiled('applyGradients').applyGradients(this.#trainable, this.backend);
    this.syncWeights();
  }

  /** Keras's train_on_batch: one step on the batch; loss and accuracy before the update. */
  trainOnBatch(x: InputData, y: Labels): EvaluateResult {
    const { data, samples } = this.#checkInput(x, y, 'trainOnBatch');
    this.#requireCompiled('trainOnBatch');
    this.#ensureCapacity(samples);
    const xb = rows(this.#xBatch, samples * this.inputSize);
    xb.set(data.subarray(0, samples * this.inputSize));
    this.backend.write(xb);
    const yb = this.#yBatch;
    for (let r = 0; r < samples; r++) yb[r] = y[r]!;
    const { lossSum, correct } = this.#trainStep(xb, yb, samples, 1, 1);
    this.syncWeights();
    return { loss: lossSum / samples, accuracy: correct / samples };
  }

  /** TrainingEngine: what fit calls, once per batch (x and y gathered by fit). */
  prepare(batchSize: number): void {
    this.#requireCompiled('fit');
    this.#ensureCapacity(batchSize);
  }

  trainBatch(
    x: FloatArray,
    y: Int32Array,
    batch: number,
    position: { epoch: number; step: number },
    masks?: DropoutMasks,
  ): BatchTotals {
    if (!masks) return this.#trainStep(x, y, batch, position.epoch, position.step);
    const pinned = this.layers.filter((l): l is Dropout => l instanceof Dropout && !!masks[l.name]);
    for (const layer of pinned) layer.setFixedMask(masks[layer.name]!);
    try {
      return this.#trainStep(x, y, batch, position.epoch, position.step);
    } finally {
      for (const layer of pinned) layer.setFixedMask(null);
    }
  }

  // ---------------------------------------------------------------------------------------
  // fit / evaluate / predict
  // ---------------------------------------------------------------------------------------

  /** Keras's fit: the one epoch loop of train/fit.ts, driving this model. */
  async fit(x: InputData, y: Labels, options: FitOptions = {}): Promise<History> {
    this.#requireCompiled('fit');
    this.#checkInput(x, y, 'fit');
    const validation = options.validationData;
    if (validation) this.#checkInput(validation[0], validation[1], 'fit validationData');
    return fit(
      this,
      x,
      y,
      { accuracy: this.#metrics.includes('accuracy'), ...options },
      { seed: this.seed },
    );
  }

  /** Loss and accuracy over the whole set, in inference mode, batch by batch. */
  evaluate(x: InputData, y: Labels, options: { batchSize?: number } = {}): EvaluateResult {
    const { samples } = this.#checkInput(x, y, 'evaluate');
    let lossSum = 0;
    let correct = 0;
    this.#inferBatches(x, samples, options.batchSize ?? 32, (probs, first, batch) => {
      const labels = this.#labels(y, first, batch);
      const sums = this.backend.lossAndCorrect(probs, labels, batch, this.#classes, EPS);
      lossSum += sums.lossSum;
      correct += sums.correct;
    });
    // Keras's evaluate adds the regularization losses to every batch's mean loss.
    return { loss: lossSum / samples + this.#penalty(), accuracy: correct / samples };
  }

  /** Probabilities [samples × classes] in inference mode. */
  predict(x: InputData, options: { batchSize?: number } = {}): Float32Array {
    const { samples } = this.#checkInput(x, undefined, 'predict');
    const out = new Float32Array(samples * this.#classes);
    this.#inferBatches(x, samples, options.batchSize ?? 32, (probs, first) => {
      out.set(this.backend.read(probs), first * this.#classes);
    });
    return out;
  }

  /** The predicted class of every sample (argmax of predict, first on ties). */
  predictClasses(x: InputData, options: { batchSize?: number } = {}): Int32Array {
    const { samples } = this.#checkInput(x, undefined, 'predictClasses');
    const out = new Int32Array(samples);
    this.#inferBatches(x, samples, options.batchSize ?? 32, (probs, first) => {
      argmaxRows(this.backend.read(probs), this.#classes, out, first);
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

  /**
   * Backward from the loss through every layer; labels start at `offset` in `labels`. With
   * `taps`, every layer passes dL/dx down and each dL/dy and dL/dx is copied into `taps`.
   */
  #backward(probs: FloatArray, labels: Float32Array, batch: number, taps?: LayerTaps): void {
    const last = this.layers.length - 1;
    const needInput = (i: number) => (taps ? true : this.#needInputGrad[i]!);
    const copy = (a: FloatArray) => Float32Array.from(this.backend.read(a));
    let grad: FloatArray | null = this.#head.backward(probs, labels, batch, needInput(last));
    if (taps) {
      taps.gradOutputs[last] = copy(this.#head.lastGradient(batch));
      taps.gradInputs[last] = copy(grad!);
    }
    for (let i = last - 1; i >= 0 && grad; i--) {
      if (taps) taps.gradOutputs[i] = copy(grad);
      grad = this.layers[i]!.backward(grad, batch, needInput(i));
      if (taps) taps.gradInputs[i] = copy(grad!);
    }
  }

  /**
   * `batch` labels from `offset` of `y` as floats in the model's label buffer (the array the
   * loss head and lossAndCorrect read), handed to the backend as the batch's upload.
   */
  #labels(y: Labels, offset: number, batch: number): Float32Array {
    if (this.#labelBatch.length < batch) this.#labelBatch = new Float32Array(batch);
    const labels = rows(this.#labelBatch, batch) as Float32Array;
    for (let r = 0; r < batch; r++) labels[r] = y[offset + r]!;
    this.backend.write(labels);
    return labels;
  }

  /**
   * One step on the gathered batch (xBatch, yBatch); epoch and step are 1-based, for errors.
   * The batch's loss sum and correct count land in the reused #totals, so the training loop
   * allocates nothing per batch.
   */
  #trainStep(
    xb: FloatArray,
    yb: Int32Array,
    batch: number,
    epoch: number,
    step: number,
  ): BatchTotals {
    const { backend } = this;
    backend.write(xb);
    const labels = this.#labels(yb, 0, batch);
    const probs = this.#forward(xb, batch, true);
    // The one read-back of a step on a device-resident backend: two numbers (and the column
    // sums of an L2-regularised kernel, which the penalty needs).
    const sums = backend.lossAndCorrect(probs, labels, batch, this.#classes, EPS);
    // Keras's loss: the batch's mean cross-entropy plus the penalties at the weights it used;
    // fit's running mean weighs each batch by its rows, so the sum carries penalty·batch.
    const lossSum = sums.lossSum + this.#penalty() * batch;
    const correct = sums.correct;
    if (!Number.isFinite(lossSum)) throw new NonFiniteLossError(epoch, step, lossSum / batch);
    this.#totals.lossSum = lossSum;
    this.#totals.correct = correct;
    this.#backward(probs, labels, batch);
    this.#optimizer!.applyGradients(this.#trainable, backend);
    return this.#totals;
  }

  /** Σ of the layers' penalties (L2 weight decay) at the current weights: 0 for most models. */
  #penalty(): number {
    let sum = 0;
    for (const layer of this.layers) sum += layer.penalty();
    return sum;
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
      this.backend.write(xb);
      visit(this.#forward(xb, batch, false), first, batch);
    }
  }

  #ensureCapacity(batch: number): void {
    if (batch <= this.#capacity) return;
    this.#capacity = batch;
    for (const layer of this.layers) layer.allocate(batch);
    this.#xBatch = allocate(this.dtype, batch * this.inputSize);
    this.#yBatch = new Int32Array(batch);
    this.#head.allocate(batch);
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
