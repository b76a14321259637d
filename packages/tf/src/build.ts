import type { LayerSpec, ModelSpec } from '@fmnist/nn';
import * as tfl from '@tensorflow/tfjs-layers';
import { kerasLayerNames } from './names.js';

/** What every builder gets besides its spec: the Keras name, and the input shape if first. */
interface BuildArgs {
  name: string;
  /** Only the first layer declares the input shape, as a Keras Sequential with an Input would. */
  inputShape?: number[];
}

/**
 * tfjs-layers' own layer for each layer type of the engine's registry (packages/nn/src/layers/
 * registry.ts), keyed by the same `type`: the type checker refuses a spec type without one, and
 * a test checks that every registered type has one. The reference builds with TF.js's classes
 * and defaults, never the engine's code.
 */
export const TF_LAYER_BUILDERS: {
  readonly [T in LayerSpec['type']]: (
    spec: Extract<LayerSpec, { type: T }>,
    args: BuildArgs,
  ) => tfl.layers.Layer;
} = {
  flatten: (_spec, args) => tfl.layers.flatten(args),
  dense: (spec, args) =>
    tfl.layers.dense({
      ...args,
      units: spec.units,
      activation: spec.activation,
      useBias: spec.useBias ?? true,
      kernelInitializer: 'glorotUniform',
      biasInitializer: 'zeros',
      // TF.js's own L2 (an L1L2 with l1 = 0): l2·ΣW², collected as the layer's losses.
      ...(spec.kernelRegularizer
        ? { kernelRegularizer: tfl.regularizers.l2({ l2: spec.kernelRegularizer.l2 }) }
        : {}),
    }),
  batchNormalization: (spec, args) =>
    tfl.layers.batchNormalization({
      ...args,
      // tfjs's own defaults (momentum 0.99, epsilon 1e-3) unless the spec says otherwise: the
      // reference does not borrow the custom engine's constants.
      ...(spec.momentum !== undefined ? { momentum: spec.momentum } : {}),
      ...(spec.epsilon !== undefined ? { epsilon: spec.epsilon } : {}),
    }),
  dropout: (spec, args) => tfl.layers.dropout({ ...args, rate: spec.rate }),
};

/**
 * Build the spec as a `tf.sequential` with tfjs-layers' own layers, named as Keras names them.
 * Weights start from tfjs's Glorot-uniform draw; the cross-check overwrites them with the
 * custom engine's through `TfReference.setWeights`, so both start from identical numbers.
 */
export function buildTfModel(spec: ModelSpec): tfl.Sequential {
  const names = kerasLayerNames(spec);
  const model = tfl.sequential({ name: spec.name });
  spec.layers.forEach((layer, index) => {
    const build = TF_LAYER_BUILDERS[layer.type] as (
      spec: LayerSpec,
      args: BuildArgs,
    ) => tfl.layers.Layer;
    model.add(
      build(layer, {
        name: names[index] as string,
        ...(index === 0 ? { inputShape: spec.inputShape } : {}),
      }),
    );
  });
  return model;
}
