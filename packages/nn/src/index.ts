export * from './spec.js';
export * from './study-models.js';
