import type { Backend, FloatArray, Rng } from '@fmnist/core';
import type { Dtype } from '../dtype.js';

/**
 * One weight array of a layer, named as Keras names it (`dense_1/kernel`). `grad` holds
 * d(loss)/d(value) after a backward pass; non-trainable weights (BatchNormalization's moving
 * statistics) have none.
 */
export interface Weight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly value: FloatArray;
  readonly grad: FloatArray | null;
  readonly trainable: boolean;
}

/** What every layer is built with. */
export interface LayerContext {
  readonly backend: Backend;
  readonly dtype: Dtype;
  /** A stream of random numbers of the layer's own (initialisers, dropout masks). */
  readonly rng: Rng;
}

/**
 * A layer maps a batch of rows `x[batch × inputSize]` to `y[batch × outputSize]` (flat,
 * row-major). `forward` keeps what `backward` needs; `backward` takes dL/dy and returns dL/dx
 * after writing the gradient of each trainable weight into `weight.grad`.
 *
 * Buffers are allocated once by `allocate(maxBatch)` and reused for every batch; a short batch
 * uses the first `batch` rows through a view, so the training loop allocates nothing.
 */
export abstract class Layer {
  /** Keras's class name, shown by summary(): `Dense`, `BatchNormalization`... */
  abstract readonly className: string;
  readonly weights: Weight[] = [];
  protected maxBatch = 0;

  constructor(
    /** Keras's layer name: `dense`, `dense_1`, `batch_normalization`... */
    readonly name: string,
    /** Shape of one sample entering the layer (no batch dimension). */
    readonly inputShape: readonly number[],
    /** Shape of one sample leaving the layer (no batch dimension). */
    readonly outputShape: readonly number[],
  ) {}

  get inputSize(): number {
    return this.inputShape.reduce((a, b) => a * b, 1);
  }

  get outputSize(): number {
    return this.outputShape.reduce((a, b) => a * b, 1);
  }

  countParams(): number {
    return this.weights.reduce((sum, w) => sum + w.value.length, 0);
  }

  /** Reserves buffers for batches of up to `maxBatch` rows (a no-op if already big enough). */
  allocate(maxBatch: number): void {
    if (maxBatch <= this.maxBatch) return;
    this.maxBatch = maxBatch;
    this.allocateBuffers(maxBatch);
  }

  protected abstract allocateBuffers(maxBatch: number): void;

  /** y = f(x) for `batch` rows. Returns a view of the layer's own output buffer (or of x). */
  abstract forward(x: FloatArray, batch: number, training: boolean): FloatArray;

  /**
   * Given dL/dy of the last forward, writes each trainable weight's gradient and returns dL/dx
   * (or null when `needInputGrad` is false: the first layer with weights has nobody to pass it
   * to, and skipping it saves a third of that layer's work).
   */
  abstract backward(dy: FloatArray, batch: number, needInputGrad: boolean): FloatArray | null;

  /**
   * What the layer adds to the loss for its weights (Keras's `layer.losses`, e.g. an L2 penalty),
   * at the current weights; 0 for a layer without one. Its gradient is added in `backward`.
   */
  penalty(): number {
    return 0;
  }
}

/** The first `length` elements of `buffer`: the buffer itself when whole, else a view. */
export function leading(buffer: FloatArray, length: number): FloatArray {
  return length === buffer.length ? buffer : buffer.subarray(0, length);
}
