import type { FloatArray, Rng } from '@fmnist/core';
import { allocate } from '../dtype.js';
import type { DropoutSpec } from '../spec.js';
import { Layer, type LayerContext, leading } from './layer.js';
import type { LayerType } from './layer-type.js';

/**
 * The maths of this module, at the top of its file (docs/architecture.md); `fmnist explain` quotes it
 * word for word.
 */
export const DROPOUT_FORMULA = `
Dropout, inverted as Keras does it, and only in training.

forward, training:   keep_i ~ Bernoulli(1 − rate)   y = x ⊙ keep / (1 − rate)
  (scaling the kept units up keeps E[y] = x, so inference needs no rescaling)
forward, inference:  y = x                          (no copy: the input itself is returned)
backward, training:  dx = dy ⊙ keep / (1 − rate)    (the same mask as the forward)
backward, inference: dx = dy

The mask comes from the layer's own seeded Rng, so a run is reproducible. Tests can pin it
with \`setFixedMask\` to make the layer a fixed linear map for gradient checks.
`.slice(1, -1);

/** Where a model drops units: a Dropout layer's name, units per sample and rate. */
export interface DropoutSite {
  name: string;
  units: number;
  rate: number;
}

/** The one draw of a keep flag, for the layer's own masks and for shared ones alike. */
export function keepUnit(rng: Rng, rate: number): boolean {
  return rng.nextFloat() >= rate;
}

/**
 * The one mask maker: for a batch of `batch` rows, one keep mask (1 = keep, 0 = drop,
 * P(drop) = rate) per site with a rate above 0, drawn site after site from `rng`. Used to pin
 * the same masks in two engines (the cross-check, explain) and by the TensorFlow.js engine,
 * whose own dropout RNG cannot be seeded.
 */
export function drawDropoutMasks(
  sites: readonly DropoutSite[],
  batch: number,
  rng: Rng,
): Record<string, Float32Array> {
  const masks: Record<string, Float32Array> = {};
  for (const { name, units, rate } of sites) {
    if (rate === 0) continue;
    const keep = new Float32Array(batch * units);
    for (let i = 0; i < keep.length; i++) keep[i] = keepUnit(rng, rate) ? 1 : 0;
    masks[name] = keep;
  }
  return masks;
}

export class Dropout extends Layer {
  readonly className = 'Dropout';
  /** The mask already scaled: 0 for dropped units, 1/(1 − rate) for kept ones. */
  #mask: FloatArray = new Float32Array(0);
  #y: FloatArray = new Float32Array(0);
  #dx: FloatArray = new Float32Array(0);
  #fixedKeep: ArrayLike<number> | null = null;
  #lastTraining = false;

  constructor(
    name: string,
    inputShape: readonly number[],
    readonly rate: number,
    private readonly ctx: LayerContext,
  ) {
    super(name, inputShape, inputShape);
    if (!(rate >= 0 && rate < 1)) {
      throw new RangeError(`${name} (Dropout) needs a rate in [0, 1), got ${rate}.`);
    }
  }

  protected allocateBuffers(maxBatch: number): void {
    const n = maxBatch * this.inputSize;
    this.#mask = allocate(this.ctx.dtype, n);
    this.#y = allocate(this.ctx.dtype, n);
    this.#dx = allocate(this.ctx.dtype, n);
  }

  /**
   * For tests: use `keep` (1 = keep, 0 = drop, row-major over the batch) instead of random
   * draws in training mode; `null` goes back to random masks.
   */
  setFixedMask(keep: ArrayLike<number> | null): void {
    this.#fixedKeep = keep;
  }

  /**
   * The keep mask (1 = kept, 0 = dropped) of the last training-mode forward pass over `batch`
   * rows, or null if it dropped nothing: to hand the very same mask to another engine.
   */
  lastKeepMask(batch: number): Float32Array | null {
    if (!this.#lastTraining) return null;
    const mask = leading(this.#mask, batch * this.inputSize);
    return Float32Array.from(mask, (m) => (m !== 0 ? 1 : 0));
  }

  forward(x: FloatArray, batch: number, training: boolean): FloatArray {
    this.#lastTraining = training && this.rate > 0;
    if (!this.#lastTraining) return x;
    const n = batch * this.inputSize;
    const mask = leading(this.#mask, n);
    const y = leading(this.#y, n);
    const scale = 1 / (1 - this.rate);
    const fixed = this.#fixedKeep;
    const { rng, backend } = this.ctx;
    // The mask is drawn here, on the host, from the layer's seeded stream (so every backend
    // drops the same units); a device-resident backend uploads it with the batch.
    for (let i = 0; i < n; i++) {
      const keep = fixed ? fixed[i]! !== 0 : keepUnit(rng, this.rate);
      // scale·1 or scale·0 (+0): the values `keep ? scale : 0` gives, without its branch, which
      // a random mask mispredicts about every other unit (17.8 -> 8.1 ns per unit, the draw
      // included, measured at rate 0.5).
      mask[i] = scale * Number(keep);
    }
    backend.write(mask);
    backend.mul(x, mask, y);
    return y;
  }

  backward(dy: FloatArray, batch: number, needInputGrad: boolean): FloatArray | null {
    if (!needInputGrad) return null;
    if (!this.#lastTraining) return dy;
    const n = batch * this.inputSize;
    const dx = leading(this.#dx, n);
    this.ctx.backend.mul(dy, leading(this.#mask, n), dx);
    return dx;
  }
}

export const dropoutType: LayerType<DropoutSpec> = {
  type: 'dropout',
  kerasClass: 'Dropout',
  baseName: 'dropout',
  file: 'layers/dropout.ts',
  formula: DROPOUT_FORMULA,
  loads: 'Dropout',
  build: (spec, name, inputShape, ctx) => new Dropout(name, inputShape, spec.rate, ctx),
  weightNames: () => [],
  sizes: (_spec, inputSize) => ({ weights: 0, outputSize: inputSize }),
  toConfig: (spec, name) => ({
    rate: spec.rate,
    noise_shape: null,
    seed: null,
    name,
    trainable: true,
  }),
  example: { type: 'dropout', rate: 0.25 },
  fromConfig: (config, { fail, show }) => {
    const rate = config.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      fail(`has rate ${show(rate)}; expected a number in [0, 1)`);
    }
    if (config.noise_shape !== undefined && config.noise_shape !== null) {
      fail('has a noise_shape; only plain Dropout (one mask entry per unit) loads');
    }
    return { type: 'dropout', rate: rate as number };
  },
};
