/**
 * @fmnist/data/node: everything of @fmnist/data, plus what needs Node: finding the files
 * (--data-dir, FASHION_MNIST_DIR, the cache, the Debian package), downloading them, reading
 * and inflating them.
 */
export * from '../index.js';
export {
  type DownloadEvent,
  type DownloadOptions,
  downloadFile,
  downloadMissing,
  removeStaleTemporaries,
} from './download.js';
export { decodeIdxImages, decodeIdxLabels, gunzipIfNeeded } from './gunzip.js';
export { ensureDataset, type LoadOptions, loadFashionMnist, readImageSet } from './load.js';
export {
  type DataSourceKind,
  type DatasetLocation,
  defaultCacheDir,
  describeSource,
  ENV_DATA_DIR,
  type FolderContents,
  findDataset,
  type LocateOptions,
  scanFolder,
} from './locate.js';
