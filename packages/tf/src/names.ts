import type { LayerSpec, ModelSpec } from '@fmnist/nn';

/** Keras's snake_case class name for each layer type: the base of its automatic name. */
const KERAS_BASE_NAME: Record<LayerSpec['type'], string> = {
  flatten: 'flatten',
  dense: 'dense',
  batchNormalization: 'batch_normalization',
  dropout: 'dropout',
};

/**
 * The names Keras 3 gives a fresh model's layers: the first of a type gets the bare name, the
 * next ones `_1`, `_2`, ... (dense, dense_1, dense_2; batch_normalization, ...).
 *
 * Keras and tfjs keep those counters per session, so the second model built in a process
 * would start at dense_3; both engines name layers explicitly from this function instead, so
 * every model reads as it would in a fresh notebook.
 */
export function kerasLayerNames(spec: ModelSpec): string[] {
  const seen = new Map<string, number>();
  return spec.layers.map((layer) => {
    const base = KERAS_BASE_NAME[layer.type];
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}_${count}`;
  });
}

/** A layer's weights in Keras order: kernel, bias; gamma, beta, moving_mean, moving_variance. */
export function kerasWeightNames(layer: LayerSpec): string[] {
  switch (layer.type) {
    case 'dense':
      return layer.useBias === false ? ['kernel'] : ['kernel', 'bias'];
    case 'batchNormalization':
      return ['gamma', 'beta', 'moving_mean', 'moving_variance'];
    default:
      return [];
  }
}

/** BatchNormalization's moving statistics are the only non-trainable weights in the family. */
export function isTrainableWeight(weightName: string): boolean {
  return weightName !== 'moving_mean' && weightName !== 'moving_variance';
}
