export * from './callbacks.js';
export * from './dense-stack.js';
export type { Dtype } from './dtype.js';
export * from './errors.js';
export * from './io/tfjs-format.js';
export * from './io/trained-model.js';
export {
  BATCH_NORMALIZATION_FORMULA,
  BatchNormalization,
  batchNormalizationType,
} from './layers/batch-normalization.js';
export { ACTIVATIONS, DENSE_FORMULA, Dense, denseType } from './layers/dense.js';
export {
  DROPOUT_FORMULA,
  Dropout,
  type DropoutSite,
  drawDropoutMasks,
  dropoutType,
  keepUnit,
} from './layers/dropout.js';
export { FLATTEN_FORMULA, Flatten, flattenType } from './layers/flatten.js';
export { Layer, type LayerContext, type Weight } from './layers/layer.js';
export type { ConfigReader, LayerType } from './layers/layer-type.js';
export {
  LAYER_TYPES,
  LOADABLE_LAYERS,
  layerType,
  layerTypeOfKerasClass,
} from './layers/registry.js';
export * from './losses.js';
export { type LossHead, lossHead } from './model/head.js';
export { LayerNamer } from './naming.js';
export * from './optimizers.js';
export * from './progress.js';
export * from './sequential.js';
export * from './spec.js';
export * from './summary.js';
export * from './train/engine.js';
export * from './train/fit.js';
