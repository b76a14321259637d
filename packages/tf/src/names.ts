import { LayerNamer, type LayerSpec, layerType, type ModelSpec } from '@fmnist/nn';

/**
 * The names Keras 3 gives a fresh model's layers: the first of a type gets the bare name, the
 * next ones `_1`, `_2`, ... (dense, dense_1, dense_2; batch_normalization, ...).
 *
 * Keras and tfjs keep those counters per session, so the second model built in a process
 * would start at dense_3; both engines name layers explicitly from this function instead, so
 * every model reads as it would in a fresh notebook.
 */
export function kerasLayerNames(spec: ModelSpec): string[] {
  const namer = new LayerNamer();
  return spec.layers.map((layer) => namer.next(layerType(layer).baseName));
}

/** A layer's weights in Keras order: kernel, bias; gamma, beta, moving_mean, moving_variance. */
export function kerasWeightNames(layer: LayerSpec): string[] {
  return layerType(layer).weightNames(layer);
}

/** BatchNormalization's moving statistics are the only non-trainable weights in the family. */
export function isTrainableWeight(weightName: string): boolean {
  return weightName !== 'moving_mean' && weightName !== 'moving_variance';
}
