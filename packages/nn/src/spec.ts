/**
 * The model spec: plain, JSON-able, Keras-like layer configs. Both engines (this package's
 * Sequential and the TensorFlow.js reference in packages/tf) build from the same spec, so
 * "the same model" is true by construction.
 */
export type Activation = 'relu' | 'softmax' | 'linear';

export interface FlattenSpec {
  type: 'flatten';
}

export interface DenseSpec {
  type: 'dense';
  units: number;
  activation: Activation;
  /** Keras's use_bias; default true. */
  useBias?: boolean;
}

export interface BatchNormalizationSpec {
  type: 'batchNormalization';
  /** Keras default 0.99. */
  momentum?: number;
  /** Keras default 1e-3. */
  epsilon?: number;
}

export interface DropoutSpec {
  type: 'dropout';
  rate: number;
}

export type LayerSpec = FlattenSpec | DenseSpec | BatchNormalizationSpec | DropoutSpec;

export interface ModelSpec {
  /** Shown in summaries and reports, e.g. `top`, `batch-norm`. */
  name: string;
  /** Shape of one sample without the batch dimension, e.g. [14, 28]. */
  inputShape: number[];
  layers: LayerSpec[];
}

export type OptimizerSpec =
  | { type: 'sgd'; learningRate: number }
  | { type: 'adam'; learningRate?: number; beta1?: number; beta2?: number; epsilon?: number };

/** Keras 3 defaults the engines must match (docs/study.md, "The rules of Keras 3 that both engines follow"). */
export const KERAS_DEFAULTS = {
  batchNormalization: { momentum: 0.99, epsilon: 1e-3 },
  adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  crossEntropyClip: 1e-7,
} as const;
