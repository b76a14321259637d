import type { FloatArray } from '@fmnist/core';
import { allocate } from '../dtype.js';
import { type BatchNormalizationSpec, KERAS_DEFAULTS } from '../spec.js';
import { Layer, type LayerContext, leading, type Weight } from './layer.js';
import type { LayerType } from './layer-type.js';

/**
 * The maths of this module, at the top of its file (docs/architecture.md); `fmnist explain` quotes it
 * word for word.
 */
export const BATCH_NORMALIZATION_FORMULA = `
BatchNormalization over the feature axis of x[B×C], as Keras 3 does it.

forward, training (batch statistics; the variance is the biased one, divided by B):
  μ_c = (1/B) Σ_r x_rc          σ²_c = (1/B) Σ_r (x_rc − μ_c)²
  x̂ = (x − μ) / sqrt(σ² + ε)    y = γ ⊙ x̂ + β
  moving_mean     ← moving_mean · m + μ · (1 − m)
  moving_variance ← moving_variance · m + σ² · (1 − m)   (Keras 3 also uses the biased σ² here)
forward, inference: the same with μ, σ² replaced by moving_mean, moving_variance.

backward, given dy (per column c, sums over the B rows):
  dβ = Σ dy      dγ = Σ dy ⊙ x̂
  training:  dx = γ / (B · sqrt(σ² + ε)) · (B·dy − dβ − x̂ · dγ)
             (μ and σ² depend on every row, which gives the two subtracted terms)
  inference: dx = γ / sqrt(moving_variance + ε) · dy

Weights, in Keras order: gamma (1s), beta (0s), moving_mean (0s), moving_variance (1s); the
last two are not trainable: the forward pass updates them, not the optimizer.

The loops are backend kernels (batchNormForward/batchNormBackward; the readable ones are in
core's js-backend.ts), so that a device-resident backend keeps the whole step on its device.
`.slice(1, -1);

export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly gamma: Weight;
  readonly beta: Weight;
  readonly movingMean: Weight;
  readonly movingVariance: Weight;

  #xhat: FloatArray = new Float32Array(0);
  #y: FloatArray = new Float32Array(0);
  #dx: FloatArray = new Float32Array(0);
  // Per-column statistics of the last forward, in float64 whatever the dtype.
  readonly #mean: Float64Array;
  readonly #invStd: Float64Array;
  readonly #sumDy: Float64Array;
  readonly #sumDyXhat: Float64Array;
  #lastTraining = false;

  constructor(
    name: string,
    inputShape: readonly number[],
    readonly momentum: number,
    readonly epsilon: number,
    private readonly ctx: LayerContext,
  ) {
    super(name, inputShape, inputShape);
    if (inputShape.length !== 1) {
      throw new RangeError(
        `${name} (BatchNormalization) expects flat input rows but got shape ` +
          `[${inputShape.join(', ')}]; put it after a Dense layer.`,
      );
    }
    const c = inputShape[0]!;
    const make = (suffix: string, fill: number, trainable: boolean): Weight => {
      const value = allocate(ctx.dtype, c).fill(fill);
      return {
        name: `${name}/${suffix}`,
        shape: [c],
        value,
        grad: trainable ? allocate(ctx.dtype, c) : null,
        trainable,
      };
    };
    this.gamma = make('gamma', 1, true);
    this.beta = make('beta', 0, true);
    this.movingMean = make('moving_mean', 0, false);
    this.movingVariance = make('moving_variance', 1, false);
    this.weights.push(this.gamma, this.beta, this.movingMean, this.movingVariance);
    this.#mean = new Float64Array(c);
    this.#invStd = new Float64Array(c);
    this.#sumDy = new Float64Array(c);
    this.#sumDyXhat = new Float64Array(c);
  }

  protected allocateBuffers(maxBatch: number): void {
    const n = maxBatch * this.inputSize;
    this.#xhat = allocate(this.ctx.dtype, n);
    this.#y = allocate(this.ctx.dtype, n);
    this.#dx = allocate(this.ctx.dtype, n);
  }

  forward(x: FloatArray, batch: number, training: boolean): FloatArray {
    const n = batch * this.inputSize;
    const xhat = leading(this.#xhat, n);
    const y = leading(this.#y, n);
    this.#lastTraining = training;
    this.ctx.backend.batchNormForward({
      x,
      xhat,
      y,
      mean: this.#mean,
      invStd: this.#invStd,
      gamma: this.gamma.value,
      beta: this.beta.value,
      movingMean: this.movingMean.value,
      movingVariance: this.movingVariance.value,
      rows: batch,
      cols: this.inputSize,
      training,
      momentum: this.momentum,
      epsilon: this.epsilon,
    });
    return y;
  }

  backward(dy: FloatArray, batch: number, needInputGrad: boolean): FloatArray | null {
    const n = batch * this.inputSize;
    const dx = needInputGrad ? leading(this.#dx, n) : null;
    this.ctx.backend.batchNormBackward({
      dy,
      xhat: leading(this.#xhat, n),
      gamma: this.gamma.value,
      invStd: this.#invStd,
      sumDy: this.#sumDy,
      sumDyXhat: this.#sumDyXhat,
      dGamma: this.gamma.grad!,
      dBeta: this.beta.grad!,
      dx,
      rows: batch,
      cols: this.inputSize,
      training: this.#lastTraining,
    });
    return dx;
  }
}

const DEFAULTS = KERAS_DEFAULTS.batchNormalization;

export const batchNormalizationType: LayerType<BatchNormalizationSpec> = {
  type: 'batchNormalization',
  kerasClass: 'BatchNormalization',
  baseName: 'batch_normalization',
  file: 'layers/batch-normalization.ts',
  formula: BATCH_NORMALIZATION_FORMULA,
  loads: 'BatchNormalization',
  build: (spec, name, inputShape, ctx) =>
    new BatchNormalization(
      name,
      inputShape,
      spec.momentum ?? DEFAULTS.momentum,
      spec.epsilon ?? DEFAULTS.epsilon,
      ctx,
    ),
  weightNames: () => ['gamma', 'beta', 'moving_mean', 'moving_variance'],
  sizes: (_spec, inputSize) => ({ weights: 4 * inputSize, outputSize: inputSize }),
  toConfig: (spec, name) => ({
    axis: -1,
    momentum: spec.momentum ?? DEFAULTS.momentum,
    epsilon: spec.epsilon ?? DEFAULTS.epsilon,
    center: true,
    scale: true,
    beta_initializer: { class_name: 'Zeros', config: {} },
    gamma_initializer: { class_name: 'Ones', config: {} },
    moving_mean_initializer: { class_name: 'Zeros', config: {} },
    moving_variance_initializer: { class_name: 'Ones', config: {} },
    beta_regularizer: null,
    gamma_regularizer: null,
    beta_constraint: null,
    gamma_constraint: null,
    name,
    trainable: true,
  }),
  example: { type: 'batchNormalization', momentum: 0.9, epsilon: 0.01 },
  fromConfig: (config, { fail, show }) => {
    const axis =
      Array.isArray(config.axis) && config.axis.length === 1 ? config.axis[0] : config.axis;
    if (axis !== undefined && axis !== -1 && axis !== 1) {
      fail(`normalises axis ${show(config.axis)}; only the last axis (-1) loads`);
    }
    if (config.center === false || config.scale === false) {
      fail("has center or scale off; only BatchNormalization with both (Keras's default) loads");
    }
    return {
      type: 'batchNormalization',
      // Keras's defaults stay implicit, so a spec round-trips unchanged.
      ...(typeof config.momentum === 'number' && config.momentum !== DEFAULTS.momentum
        ? { momentum: config.momentum }
        : {}),
      ...(typeof config.epsilon === 'number' && config.epsilon !== DEFAULTS.epsilon
        ? { epsilon: config.epsilon }
        : {}),
    };
  },
};
