/**
 * Fashion-MNIST from the four files' bytes, wherever they come from: the Node loader reads them
 * from disk (node/load.ts), a page fetches them (`loadFashionMnistFrom`). Both check them the
 * same way here: 28x28 images, labels 0-9, as many labels as images, then the same split and
 * the same --limit. Runs in a browser as in Node (DecompressionStream for gzip).
 */
import { IMAGE_SIZE, NUM_CLASSES } from './classes.js';
import { checkLimit, type ImageSet, sliceSet, splitTrainValidation } from './dataset.js';
import { DataError } from './errors.js';
import { DATASET_FILES, type DatasetFile, type DatasetFileKey } from './files.js';
import {
  corruptGzip,
  fixFor,
  gzipTooLarge,
  type IdxImages,
  type IdxSource,
  isGzip,
  MAX_INFLATED_BYTES,
  parseIdxImages,
  parseIdxLabels,
} from './idx.js';

/** Parsed images and labels as one set: refused when their counts disagree. */
export function imageSetOf(
  images: IdxImages,
  labels: Uint8Array,
  sources: { images: IdxSource; labels: IdxSource },
): ImageSet {
  if (images.count !== labels.length) {
    throw new DataError(
      'count-mismatch',
      `${sources.images.file} holds ${images.count} images but ${sources.labels.file} holds ${labels.length} labels`,
      `Use the images and labels files of the same release. ${fixFor(sources.images)}`,
      { file: sources.images.file },
    );
  }
  return { ...images, labels };
}

/**
 * Inflates gzipped bytes with the platform's DecompressionStream (browsers; Node 18 and
 * later), stopping past MAX_INFLATED_BYTES as the Node loader does; other bytes as they are.
 */
export async function gunzipStream(bytes: Uint8Array, source: IdxSource): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'));
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_INFLATED_BYTES) {
        await reader.cancel();
        throw gzipTooLarge(source, undefined);
      }
      parts.push(value);
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw corruptGzip(source, error);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The three splits, as loadFashionMnist gives them, without where they were read from. */
export interface FashionMnistSplits {
  train: ImageSet;
  validation: ImageSet;
  test: ImageSet;
  limit: number | undefined;
}

/** The train and test sets as the split and --limit make them (one place for both loaders). */
export function splitsOf(
  all: ImageSet,
  test: ImageSet,
  limit: number | undefined,
): FashionMnistSplits {
  const checked = checkLimit(limit);
  const split = splitTrainValidation(all);
  const train =
    checked !== undefined && checked < split.train.count
      ? sliceSet(split.train, 0, checked)
      : split.train;
  return { train, validation: split.validation, test, limit: checked };
}

/**
 * Fashion-MNIST from the four files' bytes as `fetchFile` gets them (a page: `fetch`), gzipped
 * or not, with the Node loader's checks, split and limit.
 */
export async function loadFashionMnistFrom(
  fetchFile: (file: DatasetFile) => Promise<Uint8Array>,
  options: { limit?: number } = {},
): Promise<FashionMnistSplits> {
  const limit = checkLimit(options.limit);
  const read = async (imagesKey: DatasetFileKey, labelsKey: DatasetFileKey): Promise<ImageSet> => {
    const [imagesFile, labelsFile] = [imagesKey, labelsKey].map(
      (key) => DATASET_FILES.find((f) => f.key === key)!,
    ) as [DatasetFile, DatasetFile];
    const images: IdxSource = { file: imagesFile.name };
    const labels: IdxSource = { file: labelsFile.name };
    const [imageBytes, labelBytes] = await Promise.all([
      fetchFile(imagesFile).then((b) => gunzipStream(b, images)),
      fetchFile(labelsFile).then((b) => gunzipStream(b, labels)),
    ]);
    return imageSetOf(
      parseIdxImages(imageBytes, images, { rows: IMAGE_SIZE, cols: IMAGE_SIZE }),
      parseIdxLabels(labelBytes, labels, NUM_CLASSES),
      { images, labels },
    );
  };
  const [all, test] = await Promise.all([
    read('trainImages', 'trainLabels'),
    read('testImages', 'testLabels'),
  ]);
  return splitsOf(all, test, limit);
}
