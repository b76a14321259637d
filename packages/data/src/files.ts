/** The four official files, under the names the dataset publishes them with. */
export type DatasetFileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

export interface DatasetFile {
  key: DatasetFileKey;
  /** The name without `.gz`; on disk the file may be `name.gz` or `name`. */
  name: string;
  kind: 'images' | 'labels';
  /** SHA-256 of the official gzipped file (hex). */
  sha256: string;
  /** Size of the official gzipped file in bytes: a download never writes more. */
  bytes: number;
}

export const DATASET_FILES: readonly DatasetFile[] = [
  {
    key: 'trainImages',
    name: 'train-images-idx3-ubyte',
    kind: 'images',
    sha256: 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7',
    bytes: 26_421_856,
  },
  {
    key: 'trainLabels',
    name: 'train-labels-idx1-ubyte',
    kind: 'labels',
    sha256: '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056',
    bytes: 29_491,
  },
  {
    key: 'testImages',
    name: 't10k-images-idx3-ubyte',
    kind: 'images',
    sha256: 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa',
    bytes: 4_422_079,
  },
  {
    key: 'testLabels',
    name: 't10k-labels-idx1-ubyte',
    kind: 'labels',
    sha256: '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05',
    bytes: 5_125,
  },
];

/** Official size of each gzipped file in bytes, by key. */
export const OFFICIAL_BYTES: Readonly<Record<DatasetFileKey, number>> = Object.fromEntries(
  DATASET_FILES.map((f) => [f.key, f.bytes]),
) as Record<DatasetFileKey, number>;

/** Official SHA-256 of each gzipped file, by key; tests inject their own. */
export const OFFICIAL_SHA256: Readonly<Record<DatasetFileKey, string>> = Object.fromEntries(
  DATASET_FILES.map((f) => [f.key, f.sha256]),
) as Record<DatasetFileKey, string>;

/**
 * Where the gzipped files are published by the dataset's authors: Zalando Research's S3
 * bucket (the address in the dataset's README) and the dataset's own GitHub repository,
 * which keeps the same four files under `data/fashion/`. Tried in this order.
 */
export const OFFICIAL_MIRRORS: readonly string[] = [
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
];

/** The Debian package that installs the four files into SYSTEM_DATA_DIR. */
export const DEBIAN_PACKAGE = 'dataset-fashion-mnist';
export const SYSTEM_DATA_DIR = '/usr/share/datasets/fashion-mnist';
