/**
 * @fmnist/reports: classification metrics and reports, tables, charts, image figures, model
 * diagrams, written observations and the HTML report. It takes plain data (arrays, numbers,
 * strings), returns strings and bytes, runs in a browser as in Node, and never imports an engine
 * or prints. Writing reports and rasterising SVG with resvg: @fmnist/reports/node.
 */
export const PACKAGE = '@fmnist/reports';

export {
  type Chart,
  classDistributionChart,
  confusionDifferenceChart,
  confusionMatrixChart,
  renderVegaLite,
  type TrainingCurvesOptions,
  trainingCurvesChart,
} from './charts.js';
export { classificationReport } from './classification-report.js';
export {
  type Block,
  type FigureBlock,
  type LinkItem,
  type ReportDocument,
  type RunMetadata,
  renderHtml,
  renderMarkdown,
  type Section,
} from './document.js';
export { ReportInputError } from './errors.js';
export { escapeXml } from './escape.js';
export { formatFixed, formatSeconds, formatSigned } from './format.js';
export {
  bestEpoch,
  type EpochRecord,
  type History,
  type HistoryColumns,
  historyEpochs,
  type TrainValidationGap,
  trainValidationGap,
} from './history.js';
export {
  type CaptionLine,
  type Disagreement,
  disagreementFigure,
  divergingColour,
  encodePng,
  type GrayImage,
  type GridItem,
  type GridOptions,
  grayscalePng,
  grayToRgba,
  heatmapPng,
  heatmapRgba,
  imageGrid,
  imagePair,
  type RgbaImage,
  scaleNearest,
  type WeightGridOptions,
  weightsGrid,
} from './images.js';
export {
  type AverageMetrics,
  type ClassificationMetrics,
  type ClassMetrics,
  classificationMetrics,
  type MetricWarning,
} from './metrics.js';
export {
  type DiagramLayer,
  formatShape,
  type ModelDiagram,
  type ModelDiagramOptions,
  modelDiagram,
  type Shape,
} from './model-diagram.js';
export {
  compareClasses,
  compareModels,
  describeDisagreements,
  describeTraining,
  type ModelScores,
  type Observation,
} from './observations.js';
export {
  bytesToBase64,
  FONT_FAMILY,
  MONO_FONT_FAMILY,
  type Rasterizer,
  type RenderedFigure,
  type SvgToPngOptions,
  setRasterizer,
  svgToPng,
} from './render.js';
export {
  chiSquareSurvival,
  DEFAULT_LEVEL,
  discordantCounts,
  EXACT_BELOW,
  excludesZero,
  formatP,
  holm,
  type McNemarResult,
  mcnemar,
  type PairedDifference,
  type PooledMcNemar,
  pairedDifference,
  pooledMcNemar,
  type Summary,
  summarize,
  tQuantile,
  tTwoSidedP,
} from './stats.js';
export { type IntervalChartOptions, type IntervalPoint, intervalChart } from './stats-charts.js';
export {
  type Cell,
  type ClassDistribution,
  type Column,
  classDistributionTable,
  confusionMatrixTable,
  type ModelClassScores,
  type ModelComparisonRow,
  modelComparisonTable,
  type PerClassScores,
  perClassComparisonTable,
  renderTableHtml,
  renderTableMarkdown,
  renderTableText,
  sortedClassNames,
  type Table,
} from './tables.js';
export { indent, shape, textTable } from './text.js';
