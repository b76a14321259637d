/**
 * `@fmnist/reports/comparisons`: the classification report and the study's comparisons (Part
 * 1's per-class and disagreement sentences, Part 2's model comparison, train-validation gaps),
 * without the chart renderer (vega) or PNG encoding: for pages that build their own tables.
 */
export { classificationReport } from './classification-report.js';
export { type History, type TrainValidationGap, trainValidationGap } from './history.js';
export {
  type AverageMetrics,
  type ClassificationMetrics,
  type ClassMetrics,
  classificationMetrics,
} from './metrics.js';
export {
  compareClasses,
  compareModels,
  describeDisagreements,
  describeTraining,
  type Observation,
} from './observations.js';
export type { ModelComparisonRow } from './tables.js';
