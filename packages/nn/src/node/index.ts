/** @fmnist/nn/node: everything of @fmnist/nn, plus saving and loading weights as files. */
export * from '../index.js';
export * from './model-file.js';
