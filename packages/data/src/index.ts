/**
 * @fmnist/data: Fashion-MNIST parsed from IDX bytes, checked, split, scaled and cropped; it
 * runs in a browser as in Node. Finding, downloading and reading the files is
 * @fmnist/data/node. Nothing here prints.
 */
export { CLASS_NAMES, type ClassName, IMAGE_SIZE, NUM_CLASSES } from './classes.js';
export {
  checkLimit,
  type FashionMnist,
  type ImageSet,
  SPLIT_NAMES,
  type SplitName,
  sliceSet,
  splitTrainValidation,
  validationCount,
} from './dataset.js';
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
  baseName,
  corruptGzip,
  gzipTooLarge,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type IdxImages,
  type IdxSource,
  isGzip,
  parseIdxImages,
  parseIdxLabels,
} from './idx.js';
export {
  type FashionMnistSplits,
  gunzipStream,
  imageSetOf,
  loadFashionMnistFrom,
  splitsOf,
} from './load.js';
export { type DataSummary, type PerSplit, type SplitShape, summarizeDataset } from './summary.js';
export {
  CROPS,
  type CropWindow,
  classCounts,
  classDistribution,
  crop,
  cropInputShape,
  cropKey,
  cropRows,
  cropShape,
  cropWindow,
  describeCrop,
  type Features,
  featureCache,
  features,
  type ImageCrop,
  imageAt,
  type NamedCrop,
  type PixelRange,
  pixelRange,
  scale,
} from './transform.js';
