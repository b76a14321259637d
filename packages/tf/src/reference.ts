import type { DropoutMasks, LayerSpec, ModelSpec, OptimizerSpec } from '@fmnist/nn';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { accuracyOf, type NamedArray, sizeOf } from './arrays.js';
import { initTfBackend, type TfBackendInfo, type TfBackendName } from './backend.js';
import { buildTfModel } from './build.js';
import { isTrainableWeight, kerasLayerNames, kerasWeightNames } from './names.js';
import {
  type AdamFlavour,
  createReferenceOptimizer,
  type ReferenceOptimizer,
} from './optimizers.js';

/**
 * Dropout masks (nn's DropoutMasks, by layer name): a layer with a mask scales kept units by
 * 1 / (1 - rate) exactly as tfjs's Dropout does, but keeps the units the caller says, so both
 * engines drop the same units. A dropout layer without a mask draws its own (tfjs's RNG).
 */

export interface TfReferenceOptions {
  optimizer: OptimizerSpec;
  /** Keras 3's Adam update (default) or tfjs's own; see optimizers.ts. */
  adam?: AdamFlavour;
  /** Start the backend search here (`cpu` skips tfjs-node and wasm); the first call decides. */
  backend?: TfBackendName;
}

export interface ForwardOptions {
  training: boolean;
  dropoutMasks?: DropoutMasks;
  /**
   * In training mode Keras (and tfjs) move BatchNormalization's moving statistics on every
   * call. Default true, as they do; false restores them afterwards so a forward pass can be
   * inspected without changing the model.
   */
  updateMovingStats?: boolean;
}

export interface ForwardResult {
  backend: TfBackendName;
  /** Every layer's output, in layer order (the last is the softmax output). */
  activations: NamedArray[];
  output: Float32Array;
}

export interface StepOptions {
  dropoutMasks?: DropoutMasks;
  /** Also return every layer's training-mode output (slower: reads each back). */
  recordActivations?: boolean;
}

export interface StepResult {
  backend: TfBackendName;
  /** Mean sparse categorical cross-entropy of the batch, as tfjs-layers computes it. */
  loss: number;
  accuracy: number;
  /** The training-mode softmax output [batch × classes]. */
  output: Float32Array;
  /** d loss / d w for every trainable weight, Keras order (`dense/kernel`, ...). */
  gradients: NamedArray[];
  /** Present when `recordActivations` was asked for. */
  activations?: NamedArray[];
}

export interface EvaluateResult {
  backend: TfBackendName;
  loss: number;
  accuracy: number;
}

/**
 * The TensorFlow.js reference for one model spec: a tfjs-layers `tf.sequential` plus a
 * training loop the caller drives batch by batch, so it can run beside the custom engine on
 * the same weights, the same batches in the same order and the same dropout masks.
 *
 * It does not use `model.fit`: fit shuffles with tfjs's unseeded RNG and offers no per-step
 * gradients. Layers run one at a time (exactly what `Sequential.call` does) so each layer's
 * output can be read.
 */
export class TfReference {
  readonly layerNames: string[];
  readonly optimizerDescription: string;
  private readonly trainable: tf.Variable[];
  private readonly lossFn: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
  /** Units of the softmax output. */
  readonly classes: number;

  private constructor(
    readonly spec: ModelSpec,
    readonly backendInfo: TfBackendInfo,
    readonly model: tfl.Sequential,
    private readonly optimizer: ReferenceOptimizer,
  ) {
    this.layerNames = kerasLayerNames(spec);
    this.optimizerDescription = optimizer.description;
    // compile() only to obtain tfjs-layers' own sparse categorical cross-entropy (its losses
    // module is not exported); the optimizer given here is never stepped.
    model.compile({ optimizer: tf.train.sgd(0), loss: 'sparseCategoricalCrossentropy' });
    // Sequential.compile() compiles its inner (private) LayersModel and copies only some
    // fields back, not lossFunctions; reach the inner model through a narrow cast.
    const inner = (model as unknown as { model: tfl.LayersModel }).model;
    const lossFn = inner.lossFunctions[0];
    if (!lossFn) throw new Error('tfjs-layers did not provide a loss function after compile()');
    this.lossFn = lossFn;
    // LayerVariable.read() returns its underlying tf.Variable (typed as Tensor); the optimizer
    // and variableGrads need the Variable itself.
    this.trainable = model.layers.flatMap((layer) =>
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const last = spec.layers.at(-1);
    this.classes = last?.type === 'dense' ? last.units : 10;
  }

  /** Build the spec on the best backend that loads (see backend.ts). */
  static async create(spec: ModelSpec, options: TfReferenceOptions): Promise<TfReference> {
    const backendInfo = await initTfBackend(options.backend);
    const model = buildTfModel(spec);
    return new TfReference(
      spec,
      backendInfo,
      model,
      createReferenceOptimizer(options.optimizer, options.adam),
    );
  }

  get backend(): TfBackendName {
    return this.backendInfo.name;
  }

  /** Every weight (trainable and moving statistics), in Keras's per-layer order. */
  getWeights(): NamedArray[] {
    const out: NamedArray[] = [];
    this.model.layers.forEach((layer, i) => {
      const names = kerasWeightNames(this.spec.layers[i] as LayerSpec);
      // Per layer, tfjs lists trainable weights then non-trainable ones, which for Dense and
      // BatchNormalization is Keras's order. (model.getWeights() would instead put every
      // trainable weight of the model before every moving statistic.)
      layer.getWeights().forEach((tensor, j) => {
        out.push({
          name: `${this.layerNames[i]}/${names[j]}`,
          shape: tensor.shape.slice(),
          // A copy: some backends hand back their own buffer.
          values: Float32Array.from(tensor.dataSync()),
        });
      });
    });
    return out;
  }

  /** Set every weight from arrays in Keras order, e.g. the custom engine's getWeights(). */
  setWeights(values: ReadonlyArray<ArrayLike<number>>): void {
    let next = 0;
    this.model.layers.forEach((layer, i) => {
      const current = layer.getWeights();
      if (current.length === 0) return;
      const tensors = current.map((tensor, j) => {
        const source = values[next++];
        const name = `${this.layerNames[i]}/${kerasWeightNames(this.spec.layers[i] as LayerSpec)[j]}`;
        if (!source || source.length !== tensor.size) {
          throw new Error(
            `setWeights: ${name} needs ${tensor.size} values (shape [${tensor.shape}]) but got ` +
              `${source ? source.length : 'none'}; pass every weight in Keras order.`,
          );
        }
        return tf.tensor(Float32Array.from(source), tensor.shape, 'float32');
      });
      layer.setWeights(tensors);
      tf.dispose(tensors);
    });
    if (next !== values.length) {
      throw new Error(`setWeights: the model has ${next} weights but ${values.length} were given.`);
    }
  }

  /** BatchNormalization's moving mean and variance (empty for models without it). */
  movingStats(): NamedArray[] {
    return this.getWeights().filter((w) => !isTrainableWeight(w.name.split('/')[1] as string));
  }

  /** One forward pass on x ([batch, ...inputShape] flattened), every layer's output kept. */
  forward(x: Float32Array, options: ForwardOptions): ForwardResult {
    const saved = options.updateMovingStats === false ? this.snapshotMovingStats() : undefined;
    const kept: tf.Tensor[] = [];
    tf.tidy(() => {
      this.run(this.inputTensor(x), options.training, options.dropoutMasks, kept);
    });
    if (saved) this.restoreMovingStats(saved);
    const activations = this.readActivations(kept);
    return {
      backend: this.backend,
      activations,
      output: (activations.at(-1) as NamedArray).values,
    };
  }

  /** Training-mode forward, loss and every gradient, without changing the trainable weights. */
  gradients(x: Float32Array, labels: ArrayLike<number>, options: StepOptions = {}): StepResult {
    return this.step(x, labels, options, false);
  }

  /**
   * dL/dx arriving at every layer's input, by tfjs's own autodiff (tf.grad of the loss of the
   * layers from that one on, with its input as the variable), in training mode with the given
   * dropout masks: entry i is dL/d(input of layer i), entry 0 dL/d(the batch). The weights and
   * BatchNormalization's moving statistics are left as they were.
   */
  inputGradients(
    x: Float32Array,
    labels: ArrayLike<number>,
    options: { dropoutMasks?: DropoutMasks } = {},
  ): NamedArray[] {
    const saved = this.snapshotMovingStats();
    try {
      const kept: tf.Tensor[] = [];
      const input = tf.keep(this.inputTensor(x));
      tf.tidy(() => {
        this.run(input, true, options.dropoutMasks, kept);
      });
      const layerInputs = [input, ...kept.slice(0, -1)];
      const y = tf.tensor1d(Float32Array.from(labels), 'float32');
      const out = layerInputs.map((h, i) => {
        const g = tf.tidy(() =>
          tf.grad((v: tf.Tensor) =>
            tf.mean(this.lossFn(y, this.run(v, true, options.dropoutMasks, undefined, i))),
          )(h),
        );
        const values = Float32Array.from(g.dataSync());
        const shape = g.shape.slice();
        g.dispose();
        return { name: this.layerNames[i] as string, shape, values };
      });
      tf.dispose([y, input, ...kept]);
      return out;
    } finally {
      this.restoreMovingStats(saved);
    }
  }

  /** One optimizer step on one batch; returns what was computed before the update. */
  trainStep(x: Float32Array, labels: ArrayLike<number>, options: StepOptions = {}): StepResult {
    return this.step(x, labels, options, true);
  }

  /** Inference-mode softmax outputs [samples × classes], in batches of `batchSize`. */
  predict(x: Float32Array, batchSize = 32): Float32Array {
    const width = sizeOf(this.spec.inputShape);
    const samples = x.length / width;
    const out = new Float32Array(samples * this.classes);
    for (let start = 0; start < samples; start += batchSize) {
      const end = Math.min(start + batchSize, samples);
      const probs = tf.tidy(() =>
        this.run(this.inputTensor(x.subarray(start * width, end * width)), false),
      );
      out.set(probs.dataSync(), start * this.classes);
      probs.dispose();
    }
    return out;
  }

  /** Inference-mode loss and accuracy, as Keras's evaluate (batch 32, sample-weighted means). */
  evaluate(x: Float32Array, labels: ArrayLike<number>, batchSize = 32): EvaluateResult {
    const probs = this.predict(x, batchSize);
    const perSample = tf.tidy(() =>
      this.lossFn(
        tf.tensor1d(Float32Array.from(labels), 'float32'),
        tf.tensor2d(probs, [labels.length, this.classes]),
      ),
    );
    const losses = perSample.dataSync();
    perSample.dispose();
    let sum = 0;
    for (const value of losses) sum += value;
    const penalty = tf.tidy(() => this.withRegularization(tf.scalar(0)));
    const regularization = penalty.dataSync()[0] as number;
    penalty.dispose();
    return {
      backend: this.backend,
      loss: sum / Math.max(labels.length, 1) + regularization,
      accuracy: accuracyOf(probs, labels, this.classes),
    };
  }

  /**
   * The loss plus tfjs-layers' own regularization losses (each L2 kernel regularizer's
   * l2·ΣW² at the current weights), as Keras adds `model.losses` to what fit minimises and
   * reports.
   */
  private withRegularization(loss: tf.Scalar): tf.Scalar {
    const penalties = this.model.layers.flatMap((layer) => layer.calculateLosses());
    return penalties.length === 0 ? loss : (tf.add(loss, tf.addN(penalties)) as tf.Scalar);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }

  private step(
    x: Float32Array,
    labels: ArrayLike<number>,
    options: StepOptions,
    apply: boolean,
  ): StepResult {
    const kept: tf.Tensor[] = [];
    let output: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const probs = this.run(
        this.inputTensor(x),
        true,
        options.dropoutMasks,
        options.recordActivations ? kept : undefined,
      );
      output = tf.keep(probs);
      const perSample = this.lossFn(tf.tensor1d(Float32Array.from(labels), 'float32'), probs);
      return this.withRegularization(tf.mean(perSample) as tf.Scalar);
    }, this.trainable);
    const gradientTensors = this.trainable.map((v) => grads[v.name] as tf.Tensor);
    const names = this.trainableNames();
    const gradients = gradientTensors.map((g, i) => ({
      name: names[i] as string,
      shape: g.shape.slice(),
      values: Float32Array.from(g.dataSync()),
    }));
    if (apply) this.optimizer.apply(this.trainable, gradientTensors);
    const loss = value.dataSync()[0] as number;
    const probs = Float32Array.from((output as tf.Tensor).dataSync());
    // Read before disposing: the last recorded activation is the output tensor itself.
    const activations = options.recordActivations ? this.readActivations(kept) : undefined;
    tf.dispose([value, ...gradientTensors, output as tf.Tensor]);
    const result: StepResult = {
      backend: this.backend,
      loss,
      accuracy: accuracyOf(probs, labels, this.classes),
      output: probs,
      gradients,
    };
    if (activations) result.activations = activations;
    return result;
  }

  /** The model's layers in order; outputs are tf.keep()-ed into `keep` when given. */
  private run(
    input: tf.Tensor,
    training: boolean,
    masks?: DropoutMasks,
    keep?: tf.Tensor[],
    /** Start at this layer (its input is `input`). */
    from = 0,
  ): tf.Tensor {
    let h = input;
    this.model.layers.forEach((layer, i) => {
      if (i < from) return;
      const spec = this.spec.layers[i] as LayerSpec;
      const mask = masks?.[layer.name];
      if (spec.type === 'dropout' && training && mask && spec.rate > 0) {
        // tfjs's dropout computes x / keepProb * mask; the same here with the caller's mask.
        h = tf.mul(tf.div(h, 1 - spec.rate), tf.tensor(mask, h.shape, 'float32'));
      } else {
        h = layer.apply(h, { training }) as tf.Tensor;
      }
      if (keep) keep.push(tf.keep(h));
    });
    return h;
  }

  private inputTensor(x: Float32Array): tf.Tensor {
    const width = sizeOf(this.spec.inputShape);
    if (x.length % width !== 0) {
      throw new Error(
        `Input of ${x.length} values is not a whole number of [${this.spec.inputShape}] samples.`,
      );
    }
    return tf.tensor(x, [x.length / width, ...this.spec.inputShape], 'float32');
  }

  private readActivations(kept: tf.Tensor[]): NamedArray[] {
    const out = kept.map((t, i) => ({
      name: this.layerNames[i] as string,
      shape: t.shape.slice(),
      values: Float32Array.from(t.dataSync()),
    }));
    tf.dispose(kept);
    return out;
  }

  private trainableNames(): string[] {
    return this.spec.layers.flatMap((layer, i) =>
      kerasWeightNames(layer)
        .filter(isTrainableWeight)
        .map((w) => `${this.layerNames[i]}/${w}`),
    );
  }

  private snapshotMovingStats(): tf.Tensor[][] {
    return this.model.layers.map((layer) =>
      // getWeights() hands back the live variables; clone so later updates don't reach the copy.
      // Layers with moving statistics (BatchNormalization): the weights training changes
      // outside the optimizer.
      layer.nonTrainableWeights.length > 0 ? layer.getWeights().map((t) => t.clone()) : [],
    );
  }

  private restoreMovingStats(saved: tf.Tensor[][]): void {
    this.model.layers.forEach((layer, i) => {
      const weights = saved[i] as tf.Tensor[];
      if (weights.length > 0) layer.setWeights(weights);
      tf.dispose(weights);
    });
  }
}
