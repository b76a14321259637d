/**
 * @fmnist/data: Fashion-MNIST located or downloaded, parsed from IDX, checked, split,
 * scaled and cropped. Nothing here prints; downloads report through a callback.
 */
export { CLASS_NAMES, type ClassName, IMAGE_SIZE, NUM_CLASSES } from './classes.js';
export {
  checkLimit,
  ensureDataset,
  type FashionMnist,
  type ImageSet,
  type LoadOptions,
  loadFashionMnist,
  readImageSet,
  SPLIT_NAMES,
  type SplitName,
  sliceSet,
  splitTrainValidation,
  validationCount,
} from './dataset.js';
export {
  type DownloadEvent,
  type DownloadOptions,
  downloadFile,
  downloadMissing,
  removeStaleTemporaries,
} from './download.js';
export { DataError, type DataErrorCode, isDataError } from './errors.js';
export {
  DATASET_FILES,
  type DatasetFile,
  type DatasetFileKey,
  DEBIAN_PACKAGE,
  OFFICIAL_MIRRORS,
  OFFICIAL_SHA256,
  SYSTEM_DATA_DIR,
} from './files.js';
export {
  decodeIdxImages,
  decodeIdxLabels,
  gunzipIfNeeded,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type IdxImages,
  type IdxSource,
  isGzip,
  parseIdxImages,
  parseIdxLabels,
} from './idx.js';
export {
  type DataSourceKind,
  type DatasetLocation,
  defaultCacheDir,
  describeSource,
  ENV_DATA_DIR,
  findDataset,
  type LocateOptions,
  scanFolder,
} from './locate.js';
export { type DataSummary, type PerSplit, type SplitShape, summarizeDataset } from './summary.js';
export {
  classCounts,
  classDistribution,
  crop,
  type Features,
  features,
  imageAt,
  type PixelRange,
  pixelRange,
  scale,
  VARIANTS,
  type Variant,
  variantRows,
  variantShape,
} from './transform.js';
