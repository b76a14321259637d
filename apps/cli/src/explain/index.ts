/** `fmnist explain`'s page, for the command and for the study's report (the walk is @fmnist/study's). */
export {
  type ExplainPageOptions,
  explainDirBeside,
  explainDocument,
  explainLink,
  writeExplainPage,
  writeExplanationPage,
} from './page.js';
