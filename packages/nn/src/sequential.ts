import { type Backend, type FloatArray, JsBackend, Rng } from '@fmnist/core';
import type { History } from './callbacks.js';
import type { Dtype } from './dtype.js';
import { InvalidArgumentError } from './errors.js';
import type { Layer, LayerContext, Weight } from './layers/layer.js';
import type { LayerType } from './layers/layer-type.js';
import { layerType } from './layers/registry.js';
import type { Labels } from './losses.js';
import { type LossHead, lossHead } from './model/head.js';
import { checkWeights, type WeightInput } from './model/input-check.js';
import type { LayerActivation, LayerTaps, SequentialOptions } from './model/types.js';
import { LayerNamer } from './naming.js';
import type { Optimizer } from './optimizers.js';
import type { ModelSpec } from './spec.js';
import { formatSummary } from './summary.js';
import type { EvaluateResult, InputData } from './train/engine.js';
import type { FitOptions } from './train/fit.js';
import {
  type CompileOptions,
  type StepOptions,
  type StepResult,
  Trainer,
} from './train/trainer.js';

export type { WeightInput } from './model/input-check.js';
export type { LayerActivation, LayerTaps, SequentialOptions } from './model/types.js';
export type { CompileOptions, StepOptions, StepResult } from './train/trainer.js';

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

/**
 * A model: the stack of layers a ModelSpec describes, each built by its type in the layer
 * registry, with its weights in Keras order, its forward pass and its backward pass. Training,
 * evaluation and prediction are its Trainer's (train/trainer.ts); the methods below that
 * Keras users call on a model (compile, fit, evaluate, predict, trainOnBatch) hand over to it.
 */
export class Sequential {
  readonly name: string;
  readonly spec: ModelSpec;
  readonly seed: number;
  readonly backend: Backend;
  readonly dtype: Dtype;
  readonly layers: Layer[] = [];
  /** Callbacks set this to end fit after the current epoch. */
  stopTraining = false;
  /** Compile, the training step, fit, evaluate and predict; the TrainingEngine fit drives. */
  readonly trainer: Trainer;

  readonly #ownsBackend: boolean;
  readonly #trainable: Weight[];
  /** needInputGrad[i]: does some layer before i have trainable weights? */
  readonly #needInputGrad: boolean[];
  readonly #head: LossHead;
  readonly #classes: number;
  readonly #outputs: FloatArray[];
  #lastBatch = 0;

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
    this.trainer = new Trainer(this);
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
    return this.trainer.optimizer;
  }

  /** Every weight, in Keras order (layer by layer; kernel, bias; gamma, beta, moving_mean, moving_variance). */
  get weights(): Weight[] {
    return this.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Weight[] {
    return this.#trainable;
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
      (options.showOptimizer ?? true) ? (this.trainer.optimizer?.countVariables() ?? 0) : 0;
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
   * (step, trainOnBatch, applyGradients) before it returns, so
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
    checkWeights(this.name, all, weights).forEach((values, i) => {
      all[i]!.value.set(values);
      this.backend.write(all[i]!.value);
    });
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

  /** Copies of each layer's output after the last forward pass (for taps). */
  layerOutputs(): Float32Array[] {
    return this.#outputs.map((o) => Float32Array.from(this.backend.read(o)));
  }

  /** The gradients of the last backward pass, one copy per trainable weight, in Keras order. */
  getGradients(): FloatArray[] {
    return this.#trainable.map((w) => this.backend.read(w.grad!).slice());
  }

  /** Room in every layer (and the loss head) for batches of up to `batch` rows. */
  allocate(batch: number): void {
    for (const layer of this.layers) layer.allocate(batch);
    this.#head.allocate(batch);
  }

  // ---------------------------------------------------------------------------------------
  // The passes, on a batch already on the backend (the Trainer's calls; no checks here).
  // ---------------------------------------------------------------------------------------

  /**
   * x → each layer → the probabilities, each layer keeping what its backward needs. From layer
   * `from` on only: the layers before it keep their outputs of the last pass on this batch (a
   * finite-difference probe of a later layer's weights need not redo the earlier ones).
   */
  forwardPass(x: FloatArray, batch: number, training: boolean, from = 0): FloatArray {
    let h = from > 0 ? this.#outputs[from - 1]! : x;
    for (let i = from; i < this.layers.length; i++) {
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
  backwardPass(probs: FloatArray, labels: Float32Array, batch: number, taps?: LayerTaps): void {
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

  /** Σ of the layers' penalties (L2 weight decay) at the current weights: 0 for most models. */
  penalty(): number {
    let sum = 0;
    for (const layer of this.layers) sum += layer.penalty();
    return sum;
  }

  // ---------------------------------------------------------------------------------------
  // Keras's model methods, handed to the trainer.
  // ---------------------------------------------------------------------------------------

  compile(options: CompileOptions): void {
    this.trainer.compile(options);
  }

  fit(x: InputData, y: Labels, options?: FitOptions): Promise<History> {
    return this.trainer.fit(x, y, options);
  }

  evaluate(x: InputData, y: Labels, options?: { batchSize?: number }): EvaluateResult {
    return this.trainer.evaluate(x, y, options);
  }

  predict(x: InputData, options?: { batchSize?: number }): Float32Array {
    return this.trainer.predict(x, options);
  }

  predictClasses(x: InputData, options?: { batchSize?: number }): Int32Array {
    return this.trainer.predictClasses(x, options);
  }

  /** Probabilities of one batch (inference mode by default), a view valid until the next call. */
  forward(x: InputData, options?: { training?: boolean; fromLayer?: number }): FloatArray {
    return this.trainer.forward(x, options);
  }

  /** The one training step: forward, loss, backward, and (unless `apply: false`) the update. */
  step(x: InputData, y: Labels, options?: StepOptions): StepResult {
    return this.trainer.step(x, y, options);
  }

  /** Keras's train_on_batch: `step(x, y)`; loss and accuracy before the update. */
  trainOnBatch(x: InputData, y: Labels): EvaluateResult {
    const { loss, accuracy } = this.trainer.step(x, y);
    return { loss, accuracy };
  }

  /** One optimizer step with the gradients of the last `step(x, y, { apply: false })`. */
  applyGradients(): void {
    this.trainer.applyGradients();
  }

  /** Releases the backend if the model created it. */
  dispose(): void {
    if (this.#ownsBackend) this.backend.dispose();
  }
}
