import type { FloatArray } from '@fmnist/core';
import { allocate } from '../dtype.js';
import { Layer, type LayerContext, rows, type Weight } from './layer.js';

/**
 * The maths of this module, at the top of its file as STYLE.md asks; `fmnist explain` quotes it
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

The per-column loops are written here rather than as backend kernels: they are cheap next to
the matmuls, and a reader sees the whole algorithm in one place.
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
    const c = this.inputSize;
    const mean = this.#mean;
    const invStd = this.#invStd;
    const gamma = this.gamma.value;
    const beta = this.beta.value;
    const mm = this.movingMean.value;
    const mv = this.movingVariance.value;
    this.#lastTraining = training;
    if (training) {
      // Rows outer, columns inner: reads x in memory order.
      mean.fill(0);
      for (let r = 0; r < batch; r++) {
        const o = r * c;
        for (let j = 0; j < c; j++) mean[j] += x[o + j]!;
      }
      for (let j = 0; j < c; j++) mean[j] = mean[j]! / batch;
      const variance = invStd; // accumulate σ² in place, then turn it into 1/sqrt(σ² + ε)
      variance.fill(0);
      for (let r = 0; r < batch; r++) {
        const o = r * c;
        for (let j = 0; j < c; j++) {
          const d = x[o + j]! - mean[j]!;
          variance[j] += d * d;
        }
      }
      const m = this.momentum;
      for (let j = 0; j < c; j++) {
        const v = variance[j]! / batch;
        mm[j] = mm[j]! * m + mean[j]! * (1 - m);
        mv[j] = mv[j]! * m + v * (1 - m);
        invStd[j] = 1 / Math.sqrt(v + this.epsilon);
      }
    } else {
      for (let j = 0; j < c; j++) {
        mean[j] = mm[j]!;
        invStd[j] = 1 / Math.sqrt(mv[j]! + this.epsilon);
      }
    }
    const n = batch * c;
    const xhat = rows(this.#xhat, n);
    const y = rows(this.#y, n);
    for (let r = 0; r < batch; r++) {
      const o = r * c;
      for (let j = 0; j < c; j++) {
        const h = (x[o + j]! - mean[j]!) * invStd[j]!;
        xhat[o + j] = h;
        y[o + j] = gamma[j]! * h + beta[j]!;
      }
    }
    return y;
  }

  backward(dy: FloatArray, batch: number, needInputGrad: boolean): FloatArray | null {
    const c = this.inputSize;
    const n = batch * c;
    const xhat = rows(this.#xhat, n);
    const sumDy = this.#sumDy;
    const sumDyXhat = this.#sumDyXhat;
    sumDy.fill(0);
    sumDyXhat.fill(0);
    for (let r = 0; r < batch; r++) {
      const o = r * c;
      for (let j = 0; j < c; j++) {
        sumDy[j] += dy[o + j]!;
        sumDyXhat[j] += dy[o + j]! * xhat[o + j]!;
      }
    }
    const dGamma = this.gamma.grad!;
    const dBeta = this.beta.grad!;
    for (let j = 0; j < c; j++) {
      dGamma[j] = sumDyXhat[j]!;
      dBeta[j] = sumDy[j]!;
    }
    if (!needInputGrad) return null;
    const gamma = this.gamma.value;
    const invStd = this.#invStd;
    const dx = rows(this.#dx, n);
    if (this.#lastTraining) {
      for (let r = 0; r < batch; r++) {
        const o = r * c;
        for (let j = 0; j < c; j++) {
          const k = (gamma[j]! * invStd[j]!) / batch;
          dx[o + j] = k * (batch * dy[o + j]! - sumDy[j]! - xhat[o + j]! * sumDyXhat[j]!);
        }
      }
    } else {
      for (let r = 0; r < batch; r++) {
        const o = r * c;
        for (let j = 0; j < c; j++) dx[o + j] = gamma[j]! * invStd[j]! * dy[o + j]!;
      }
    }
    return dx;
  }
}
