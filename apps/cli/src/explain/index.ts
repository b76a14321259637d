/** `fmnist explain`'s page, for the command and for the study's report (the walk is @fmnist/study's). */
export {
  explainDocument,
  explainFolder,
  explainLink,
  explainPageFiles,
  writeExplanationPage,
} from './page.js';
