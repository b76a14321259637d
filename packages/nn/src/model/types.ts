/** The shapes a Sequential model is made with and hands back. */
import type { Backend, FloatArray } from '@fmnist/core';
import type { Dtype } from '../dtype.js';
import type { LayerNamer } from '../naming.js';

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

/** A layer's output after the last forward pass. */
export interface LayerActivation {
  layer: string;
  className: string;
  /** [batch, ...outputShape]. */
  shape: number[];
  /** A view of the layer's buffer: valid until the next forward pass. */
  values: FloatArray;
}

/** What `step(x, y, { taps: true })` copies out, per layer in layer order. */
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
