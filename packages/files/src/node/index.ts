/**
 * @fmnist/files/node: folders the tool writes whole and replaces only when it wrote them (see
 * output-folder.ts for the rules).
 */
export {
  type FolderFile,
  MANIFEST,
  type Manifest,
  mountPoints,
  OutputFolder,
  OutputFolderError,
  type OutputFolderOptions,
  type OutputFolderProblem,
  openOutputFolder,
  type WrittenFolder,
  writeOutputFolder,
} from './output-folder.js';
