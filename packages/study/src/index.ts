/**
 * @fmnist/study: the Fashion-MNIST study as a library. Its six models defined once (models.ts),
 * trained on either engine through nn's one fit loop (trainer.ts), their results and comparisons
 * (results.ts), statistics over seeds (seeds.ts), the cross-check against TensorFlow.js
 * (crosscheck.ts) and explain's walk through one training step (explain/). Nothing here touches
 * files, threads, the environment or the terminal: it runs in a browser page as in Node.
 */
export * from './backend-choice.js';
export * from './crosscheck.js';
export * from './crosscheck-text.js';
export * from './experiment/jobs.js';
export * from './experiment/load.js';
export * from './experiment/result.js';
export { experimentJsonSchema, MAX_UNITS } from './experiment/schema.js';
export * from './explain/compare.js';
export * from './explain/finite-differences.js';
export * from './explain/format.js';
export * from './explain/optimizer-step.js';
export * from './explain/sources.js';
export * from './explain/stats.js';
export * from './explain/text.js';
export * from './explain/walk.js';
export { weightsSha256 } from './fingerprint.js';
export * from './models.js';
export * from './results.js';
export * from './run-result.js';
export * from './seeds.js';
export * from './trainer.js';
