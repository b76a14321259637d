export { accuracyOf, gatherLabels, gatherRows, type NamedArray, sizeOf } from './arrays.js';
export {
  configureTfBackend,
  initTfBackend,
  type TfBackendInfo,
  type TfBackendName,
} from './backend.js';
export { buildTfModel, TF_LAYER_BUILDERS } from './build.js';
export {
  type Difference,
  describeDifference,
  difference,
  type Tolerance,
  withinTolerance,
} from './compare.js';
export { dropoutSites, TF_DROPOUT_FORK, TfTrainingEngine } from './engine.js';
export { isTrainableWeight, kerasLayerNames, kerasWeightNames } from './names.js';
export {
  type AdamFlavour,
  createReferenceOptimizer,
  KERAS3_ADAM,
  type ReferenceOptimizer,
} from './optimizers.js';
export {
  type EvaluateResult,
  type ForwardOptions,
  type ForwardResult,
  type StepOptions,
  type StepResult,
  TfReference,
  type TfReferenceOptions,
} from './reference.js';
export { releaseDropoutMasks, shareDropoutMasks } from './shared.js';
export {
  adamWeightTolerance,
  COMPARABLE,
  momentumWeightTolerance,
  rmspropWeightTolerance,
  sgdWeightTolerance,
  TOLERANCES,
} from './tolerances.js';
