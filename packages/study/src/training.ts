/**
 * `@fmnist/study/training`: what a training worker (the CLI's, or a page's Web Worker) needs,
 * the study's models and the one trainer, without the cross-check and explain, whose static
 * imports load TensorFlow.js (about 1 s per worker in Node). The TensorFlow.js engine is still
 * here: it imports TensorFlow.js when it is used. So is explain's finite-difference check of the
 * backward pass, which needs no TensorFlow.js either.
 */
export {
  type CheckedEntry,
  GRADIENT_CHECK,
  gradientCheck,
  relativeError,
} from './explain/finite-differences.js';
export { type Stats, stats } from './explain/stats.js';
export { weightsSha256 } from './fingerprint.js';
export * from './models.js';
export * from './trainer.js';
