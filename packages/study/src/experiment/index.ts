/**
 * `@fmnist/study/experiment`: reading and checking experiment files, without the trainers, the
 * cross-check or TensorFlow.js (the CLI's error reporting imports it on every run).
 */
export * from './jobs.js';
export * from './load.js';
export { experimentJsonSchema } from './schema.js';
