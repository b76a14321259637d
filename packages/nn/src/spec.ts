/**
 * The model spec: plain, JSON-able, Keras-like layer configs. Both engines (this package's
 * Sequential and the TensorFlow.js reference in packages/tf) build from the same spec, so
 * "the same model" is true by construction.
 */
export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'linear';

export interface FlattenSpec {
  type: 'flatten';
}

export interface DenseSpec {
  type: 'dense';
  units: number;
  activation: Activation;
  /** Keras's use_bias; default true. */
  useBias?: boolean;
  /** Keras's kernel_regularizer=L2(l2): l2·ΣW² added to the loss. */
  kernelRegularizer?: { l2: number };
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
  | {
      type: 'sgd';
      learningRate: number;
      /** Keras's SGD momentum, in [0, 1); default 0 (plain SGD). */
      momentum?: number;
      /** Nesterov's look-ahead (with momentum > 0); default false. */
      nesterov?: boolean;
    }
  | { type: 'adam'; learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }
  | {
      type: 'rmsprop';
      learningRate?: number;
      rho?: number;
      momentum?: number;
      epsilon?: number;
      centered?: boolean;
    };

/** Keras 3 defaults the engines must match (docs/study.md, "The rules of Keras 3 that both engines follow"). */
export const KERAS_DEFAULTS = {
  batchNormalization: { momentum: 0.99, epsilon: 1e-3 },
  adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  sgd: { momentum: 0, nesterov: false },
  rmsprop: { learningRate: 1e-3, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
  crossEntropyClip: 1e-7,
} as const;
