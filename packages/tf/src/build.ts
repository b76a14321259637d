import type { ModelSpec } from '@fmnist/nn';
import * as tfl from '@tensorflow/tfjs-layers';
import { kerasLayerNames } from './names.js';

/**
 * Build the spec as a `tf.sequential` with tfjs-layers' own layers, named as Keras names them.
 * Weights start from tfjs's Glorot-uniform draw; the cross-check overwrites them with the
 * custom engine's through `TfReference.setWeights`, so both start from identical numbers.
 */
export function buildTfModel(spec: ModelSpec): tfl.Sequential {
  const names = kerasLayerNames(spec);
  const model = tfl.sequential({ name: spec.name });
  spec.layers.forEach((layer, index) => {
    const name = names[index] as string;
    // Only the first layer declares the input shape, as a Keras Sequential with an Input would.
    const inputShape = index === 0 ? { inputShape: spec.inputShape } : {};
    switch (layer.type) {
      case 'flatten':
        model.add(tfl.layers.flatten({ name, ...inputShape }));
        break;
      case 'dense':
        model.add(
          tfl.layers.dense({
            name,
            units: layer.units,
            activation: layer.activation,
            useBias: layer.useBias ?? true,
            kernelInitializer: 'glorotUniform',
            biasInitializer: 'zeros',
            ...inputShape,
          }),
        );
        break;
      case 'batchNormalization':
        model.add(
          tfl.layers.batchNormalization({
            name,
            // tfjs's own defaults (momentum 0.99, epsilon 1e-3) unless the spec says otherwise:
            // the reference does not borrow the custom engine's constants.
            ...(layer.momentum !== undefined ? { momentum: layer.momentum } : {}),
            ...(layer.epsilon !== undefined ? { epsilon: layer.epsilon } : {}),
            ...inputShape,
          }),
        );
        break;
      case 'dropout':
        model.add(tfl.layers.dropout({ name, rate: layer.rate, ...inputShape }));
        break;
    }
  });
  return model;
}
