/**
 * `@fmnist/reports/classification`: scikit-learn's classification metrics and report, without
 * the chart renderer (vega), for pages that only print the report.
 */
export { classificationReport } from './classification-report.js';
export { type ClassificationMetrics, type ClassMetrics, classificationMetrics } from './metrics.js';
