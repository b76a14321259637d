/**
 * @fmnist/study/lab: what the lab page's worker computes, as the CLI's commands compute theirs:
 * the views inside each layer, the finite-difference check of the last model, and the views of
 * a trained model and of a part. Browser-safe; the cross-check, which brings TF.js, is its own
 * entry point (`@fmnist/study/lab/crosscheck`).
 */
export * from './checks.js';
export * from './inspect.js';
export * from './views.js';
