import type { LayerSpec, ModelSpec } from './spec.js';

export interface DenseStackOptions {
  /** Classes of the softmax output; default 10. */
  classes?: number;
  /**
   * A BatchNormalization after each hidden Dense, those Dense layers without bias (BN's beta
   * plays its part), as Keras users build it: Dense(units, relu, use_bias=False) then BN.
   */
  batchNormalization?: boolean;
  /** A Dropout of this rate after each hidden Dense; default none. */
  dropout?: number;
}

/**
 * The family of models this engine is for: Flatten -> Dense(h, relu) for each hidden width ->
 * Dense(classes, softmax), with batch normalisation or dropout after each hidden layer.
 * (The study's six models are instances of it, defined once in packages/study.)
 */
export function denseStack(
  name: string,
  inputShape: readonly number[],
  hidden: readonly number[],
  options: DenseStackOptions = {},
): ModelSpec {
  const layers: LayerSpec[] = [{ type: 'flatten' }];
  for (const units of hidden) {
    if (options.batchNormalization) {
      layers.push({ type: 'dense', units, activation: 'relu', useBias: false });
      layers.push({ type: 'batchNormalization' });
    } else {
      layers.push({ type: 'dense', units, activation: 'relu' });
    }
    if (options.dropout !== undefined && options.dropout > 0) {
      layers.push({ type: 'dropout', rate: options.dropout });
    }
  }
  layers.push({ type: 'dense', units: options.classes ?? 10, activation: 'softmax' });
  return { name, inputShape: [...inputShape], layers };
}
