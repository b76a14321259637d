/**
 * Where the four files are looked for, first hit wins:
 *   1. the folder given by the caller (`--data-dir`),
 *   2. $FASHION_MNIST_DIR,
 *   3. the user cache (where downloads go): $XDG_CACHE_HOME/fmnist-lab, else ~/.cache/fmnist-lab
 *      on Linux; ~/Library/Caches/fmnist-lab on macOS; %LOCALAPPDATA%\fmnist-lab\Cache on
 *      Windows (the folders env-paths names),
 *   4. /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).
 * A folder counts only when it holds all four, each as `name.gz` or `name`. A folder the
 * user named explicitly (1 or 2) that lacks a file is an error rather than skipped: falling
 * through to another copy would hide a typo in the path.
 */
import { lstat, readlink, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import { DATASET_FILES, type DatasetFileKey, DEBIAN_PACKAGE, SYSTEM_DATA_DIR } from '../files.js';

export type DataSourceKind = 'data-dir' | 'env' | 'cache' | 'system' | 'download';

export interface LocateOptions {
  /** The folder the user named (`--data-dir`); looked in first. */
  dataDir?: string | undefined;
  /** Environment to read FASHION_MNIST_DIR from; process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The download cache; the platform's user cache folder by default (defaultCacheDir). */
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

/**
 * The user's cache folder for this tool, by the platform's convention: the XDG Base Directory
 * specification on Linux and other Unixes ($XDG_CACHE_HOME when it is an absolute path, else
 * ~/.cache), ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows.
 */
export function defaultCacheDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'darwin') return join(home, 'Library', 'Caches', APP);
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA ?? join(home, 'AppData', 'Local');
    return join(local, APP, 'Cache');
  }
  const xdg = env.XDG_CACHE_HOME;
  // The specification: a relative path in the variable is invalid and is ignored.
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.cache'), APP);
}

const APP = 'fmnist-lab';

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

/**
 * What is at a path, in words for a message: `file` for a regular file (or a link to one),
 * `missing` for nothing at all, else what it is instead (a folder, a FIFO, a dangling link...).
 */
export async function whatIsAt(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (info.isFile()) return 'file';
    if (info.isDirectory()) return 'a folder';
    if (info.isFIFO()) return 'a named pipe (FIFO)';
    if (info.isSocket()) return 'a socket';
    return 'a device';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'a symbolic link that loops';
    if (code === 'EACCES') return 'out of reach (permission denied on a folder above it)';
    if (code === 'ENOTDIR') return 'missing';
    if (code !== 'ENOENT') return `unreadable (${code ?? (error as Error).message})`;
    const link = await lstat(path).catch(() => undefined);
    if (link?.isSymbolicLink()) {
      const target = await readlink(path).catch(() => '?');
      return `a dangling symbolic link (to ${target}, which does not exist)`;
    }
    return 'missing';
  }
}

export interface FolderContents {
  found: Partial<Record<DatasetFileKey, string>>;
  /** Names (without .gz) of the files not there. */
  missing: string[];
  /** Of those, the ones where something else stands: the path and what it is. */
  wrong: { path: string; what: string }[];
}

/** Which of the four files a folder holds; `name.gz` is preferred over `name`. */
export async function scanFolder(dir: string): Promise<FolderContents> {
  const found: Partial<Record<DatasetFileKey, string>> = {};
  const missing: string[] = [];
  const wrong: FolderContents['wrong'] = [];
  for (const file of DATASET_FILES) {
    const gz = join(dir, `${file.name}.gz`);
    const raw = join(dir, file.name);
    const atGz = await whatIsAt(gz);
    const atRaw = atGz === 'file' ? 'missing' : await whatIsAt(raw);
    if (atGz === 'file') found[file.key] = gz;
    else if (atRaw === 'file') found[file.key] = raw;
    else {
      missing.push(file.name);
      if (atGz !== 'missing') wrong.push({ path: gz, what: atGz });
      else if (atRaw !== 'missing') wrong.push({ path: raw, what: atRaw });
    }
  }
  return { found, missing, wrong };
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
  const at = await whatIsAt(dir);
  if (at !== 'a folder') {
    const what =
      at === 'missing' ? 'does not exist' : at === 'file' ? 'is a file, not a folder' : `is ${at}`;
    throw new DataError(
      'missing-file',
      `The data folder ${dir} (${how}) ${what}`,
      `Point it at the folder that holds the four Fashion-MNIST files, or ${instead} to use the cache or download them.`,
      { file: dir },
    );
  }
  const { found, missing, wrong } = await scanFolder(dir);
  const files = complete(found);
  const [first] = wrong;
  if (files === undefined && first !== undefined) {
    throw new DataError(
      'missing-file',
      `${first.path} (${how}) is ${first.what}, not a data file`,
      `Put the Fashion-MNIST file ${basename(first.path)} there in its place (gzipped or not), or ${instead} to use the cache or download them.`,
      { file: first.path },
    );
  }
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
    [options.cacheDir ?? defaultCacheDir(env), 'cache'],
    [options.systemDir ?? SYSTEM_DATA_DIR, 'system'],
  ] as const) {
    const files = complete((await scanFolder(dir)).found);
    if (files !== undefined) return { dir, source, files };
  }
  return undefined;
}
