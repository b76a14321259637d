/**
 * Where the four files are looked for, first hit wins:
 *   1. the folder given by the caller (`--data-dir`),
 *   2. $FASHION_MNIST_DIR,
 *   3. the user cache, ~/.cache/fmnist-lab (where downloads go),
 *   4. /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).
 * A folder counts only when it holds all four, each as `name.gz` or `name`. A folder the
 * user named explicitly (1 or 2) that lacks a file is an error rather than skipped: falling
 * through to another copy would hide a typo in the path.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import { DATASET_FILES, type DatasetFileKey, DEBIAN_PACKAGE, SYSTEM_DATA_DIR } from '../files.js';

export type DataSourceKind = 'data-dir' | 'env' | 'cache' | 'system' | 'download';

export interface LocateOptions {
  /** The folder the user named (`--data-dir`); looked in first. */
  dataDir?: string | undefined;
  /** Environment to read FASHION_MNIST_DIR from; process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The download cache; ~/.cache/fmnist-lab by default. */
  cacheDir?: string;
  /** The system-wide copy; /usr/share/datasets/fashion-mnist by default. */
  systemDir?: string;
}

export interface DatasetLocation {
  dir: string;
  source: DataSourceKind;
  /** The path of each file as found (`name.gz` or `name`). */
  files: Record<DatasetFileKey, string>;
}

export const ENV_DATA_DIR = 'FASHION_MNIST_DIR';

export function defaultCacheDir(): string {
  return join(homedir(), '.cache', 'fmnist-lab');
}

/** How a source is described to the user, e.g. in "missing from DIR (--data-dir)". */
export function describeSource(source: DataSourceKind): string {
  switch (source) {
    case 'data-dir':
      return '--data-dir';
    case 'env':
      return ENV_DATA_DIR;
    case 'cache':
    case 'download':
      return 'the download cache';
    case 'system':
      return `Debian's ${DEBIAN_PACKAGE}`;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export interface FolderContents {
  found: Partial<Record<DatasetFileKey, string>>;
  /** Names (without .gz) of the files not there. */
  missing: string[];
}

/** Which of the four files a folder holds; `name.gz` is preferred over `name`. */
export async function scanFolder(dir: string): Promise<FolderContents> {
  const found: Partial<Record<DatasetFileKey, string>> = {};
  const missing: string[] = [];
  for (const file of DATASET_FILES) {
    const gz = join(dir, `${file.name}.gz`);
    const raw = join(dir, file.name);
    if (await isFile(gz)) found[file.key] = gz;
    else if (await isFile(raw)) found[file.key] = raw;
    else missing.push(file.name);
  }
  return { found, missing };
}

function complete(
  found: Partial<Record<DatasetFileKey, string>>,
): Record<DatasetFileKey, string> | undefined {
  const files = {} as Record<DatasetFileKey, string>;
  for (const file of DATASET_FILES) {
    const path = found[file.key];
    if (path === undefined) return undefined;
    files[file.key] = path;
  }
  return files;
}

async function explicitFolder(dir: string, source: 'data-dir' | 'env'): Promise<DatasetLocation> {
  const how = source === 'data-dir' ? 'given by --data-dir' : `named by ${ENV_DATA_DIR}`;
  const instead = source === 'data-dir' ? 'leave out --data-dir' : `unset ${ENV_DATA_DIR}`;
  if (!(await isDirectory(dir))) {
    throw new DataError(
      'missing-file',
      `The data folder ${dir} (${how}) does not exist`,
      `Point it at the folder that holds the four Fashion-MNIST files, or ${instead} to use the cache or download them.`,
      { file: dir },
    );
  }
  const { found, missing } = await scanFolder(dir);
  const files = complete(found);
  if (files === undefined) {
    throw new DataError(
      'missing-file',
      `${missing.map((m) => `${m}(.gz)`).join(', ')} missing from ${dir} (${how})`,
      `Put the four Fashion-MNIST files there (gzipped or not), or ${instead} to use the cache or download them.`,
      { file: join(dir, missing[0] ?? '') },
    );
  }
  return { dir, source, files };
}

/**
 * Finds a folder with all four files. Returns undefined when only the cache or the system
 * folder could have had them and neither does (the caller may then download them).
 */
export async function findDataset(
  options: LocateOptions = {},
): Promise<DatasetLocation | undefined> {
  const env = options.env ?? process.env;
  if (options.dataDir !== undefined && options.dataDir !== '') {
    return explicitFolder(resolve(options.dataDir), 'data-dir');
  }
  const fromEnv = env[ENV_DATA_DIR];
  if (fromEnv !== undefined && fromEnv !== '') {
    return explicitFolder(resolve(fromEnv), 'env');
  }
  for (const [dir, source] of [
    [options.cacheDir ?? defaultCacheDir(), 'cache'],
    [options.systemDir ?? SYSTEM_DATA_DIR, 'system'],
  ] as const) {
    const files = complete((await scanFolder(dir)).found);
    if (files !== undefined) return { dir, source, files };
  }
  return undefined;
}
