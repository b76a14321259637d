/**
 * `fmnist explain`'s machinery, for the command and for the study's report: explainModel walks
 * one batch through a model; explainText and writeExplainPage show it.
 */
export {
  type ExplainPageOptions,
  explainDirBeside,
  explainDocument,
  explainLink,
  writeExplainPage,
  writeExplanationPage,
} from './page.js';
export { leadingComment, type SourceFormula, sourceFormula } from './sources.js';
export { EXTRA_SECTIONS, explainText } from './text.js';
export {
  DEFAULT_EXPLAIN_MODEL,
  EXPLAIN_MODELS,
  type ExplainArrays,
  type ExplainModelName,
  type ExplainOptions,
  type ExplainResult,
  type Explanation,
  explainModel,
  GRADIENT_CHECK,
  relativeError,
} from './walk.js';
