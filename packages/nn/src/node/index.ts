/** @fmnist/nn/node: everything of @fmnist/nn, plus saving and loading models as folders. */
export * from '../index.js';
export * from './model-folder.js';
