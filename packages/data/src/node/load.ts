/** Reading the four files from disk (or the download), checked, and split. */
import { readFile } from 'node:fs/promises';
import { IMAGE_SIZE, NUM_CLASSES } from '../classes.js';
import { checkLimit, type FashionMnist, type ImageSet } from '../dataset.js';
import { DataError } from '../errors.js';
import { DEBIAN_PACKAGE } from '../files.js';
import { baseName as basename } from '../idx.js';
import { imageSetOf, splitsOf } from '../load.js';
import { type DownloadOptions, downloadMissing } from './download.js';
import { decodeIdxImages, decodeIdxLabels } from './gunzip.js';
import {
  type DataSourceKind,
  type DatasetLocation,
  defaultCacheDir,
  findDataset,
  type LocateOptions,
  scanFolder,
} from './locate.js';

export interface LoadOptions extends LocateOptions {
  /** Keep only the first N images of the training split (validation and test stay whole). */
  limit?: number | undefined;
  /** How to download when no folder has the files; `false` never downloads. */
  download?: DownloadOptions | false;
  /** Told about what is odd but usable in a file (gzip's "trailing garbage ignored"). */
  onWarning?: (message: string) => void;
}

/** What to tell a user whose file, found in `source`, turned out to be bad. */
function fixForBadFile(path: string, source: DataSourceKind): string {
  switch (source) {
    case 'cache':
    case 'download':
      return `Delete ${path} and run again to download a fresh copy`;
    case 'system':
      return `Reinstall it: sudo apt-get install --reinstall ${DEBIAN_PACKAGE}`;
    case 'data-dir':
      return `Replace ${basename(path)} with the official Fashion-MNIST file (gzipped or not), or leave out --data-dir`;
    case 'env':
      return `Replace ${basename(path)} with the official Fashion-MNIST file (gzipped or not), or unset FASHION_MNIST_DIR`;
  }
}

async function readBytes(path: string, source: DataSourceKind): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = (error as NodeJS.ErrnoException).code;
    // A file that is there but may not be read wants its permissions fixed, not replacing.
    const fix =
      code === 'EACCES' || code === 'EPERM'
        ? `Make it readable (chmod a+r ${path}), or run as a user who may read it`
        : fixForBadFile(path, source);
    throw new DataError('missing-file', `Cannot read ${path} (${reason})`, `${fix}.`, {
      file: path,
      cause: error,
    });
  }
}

/** Reads and checks one images file and its labels file, as one set. */
export async function readImageSet(
  imagesPath: string,
  labelsPath: string,
  source: DataSourceKind = 'data-dir',
  warn?: (message: string) => void,
): Promise<ImageSet> {
  const images = await decodeIdxImages(
    await readBytes(imagesPath, source),
    { file: imagesPath, fix: fixForBadFile(imagesPath, source), ...(warn ? { warn } : {}) },
    { rows: IMAGE_SIZE, cols: IMAGE_SIZE },
  );
  const labels = await decodeIdxLabels(
    await readBytes(labelsPath, source),
    { file: labelsPath, fix: fixForBadFile(labelsPath, source), ...(warn ? { warn } : {}) },
    NUM_CLASSES,
  );
  return imageSetOf(images, labels, {
    images: { file: imagesPath, fix: fixForBadFile(imagesPath, source) },
    labels: { file: labelsPath, fix: fixForBadFile(labelsPath, source) },
  });
}

/** Finds the four files, downloading them into the cache when no folder has them. */
export async function ensureDataset(options: LoadOptions = {}): Promise<DatasetLocation> {
  const found = await findDataset(options);
  if (found !== undefined) return found;
  const cacheDir = options.cacheDir ?? defaultCacheDir(options.env);
  if (options.download === false) {
    throw new DataError(
      'missing-file',
      'The Fashion-MNIST files are not on this machine and downloading is off',
      `Put the four files in ${cacheDir} or a folder named by --data-dir or FASHION_MNIST_DIR, or install the Debian package: sudo apt-get install ${DEBIAN_PACKAGE}.`,
      { file: cacheDir },
    );
  }
  const { found: present, wrong } = await scanFolder(cacheDir);
  const [blocking] = wrong;
  if (blocking !== undefined) {
    // The download would have to be renamed onto it: say so now, before downloading.
    throw new DataError(
      'missing-file',
      `${blocking.path} in the download cache is ${blocking.what}, not a data file`,
      `Remove it (the file is then downloaded again), or put the Fashion-MNIST file there in its place.`,
      { file: blocking.path },
    );
  }
  const files = await downloadMissing(cacheDir, present, options.download ?? {});
  return { dir: cacheDir, source: 'download', files };
}

/**
 * Loads Fashion-MNIST: locates (or downloads) the files, checks them, and splits them into
 * training (first 50,000), validation (last 10,000) and test (the official 10,000).
 */
export async function loadFashionMnist(options: LoadOptions = {}): Promise<FashionMnist> {
  const limit = checkLimit(options.limit);
  const location = await ensureDataset(options);
  const { files, source } = location;
  const all = await readImageSet(files.trainImages, files.trainLabels, source, options.onWarning);
  const test = await readImageSet(files.testImages, files.testLabels, source, options.onWarning);
  return { ...splitsOf(all, test, limit), location };
}
