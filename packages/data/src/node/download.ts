/**
 * Downloads the official gzipped files into the cache. Each file is streamed into a
 * temporary file in the cache folder itself (so the final rename stays on one file system
 * and is atomic), hashed on the way, and renamed to its real name only when it is whole and
 * its SHA-256 is the official one. On any failure the temporary file is removed, so the
 * cache never holds a half-written file under a name the loader would pick up.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DataError } from '../errors.js';
import {
  DATASET_FILES,
  type DatasetFile,
  type DatasetFileKey,
  DEBIAN_PACKAGE,
  OFFICIAL_BYTES,
  OFFICIAL_MIRRORS,
  OFFICIAL_SHA256,
} from '../files.js';
import { ENV_DATA_DIR } from './locate.js';

/** What a download reports while it runs; the package never prints, the caller renders. */
export type DownloadEvent =
  | { type: 'start'; file: string; url: string; totalBytes: number | undefined }
  | { type: 'progress'; file: string; receivedBytes: number; totalBytes: number | undefined }
  | { type: 'done'; file: string; url: string; bytes: number }
  /** `last`: no mirror is left to try after this one. */
  | { type: 'mirror-failed'; file: string; url: string; reason: string; last: boolean };

export interface DownloadOptions {
  /** Base URLs, each ending in `/`, tried in order; the official mirrors by default. */
  mirrors?: readonly string[];
  /** Expected SHA-256 (hex) of each gzipped file; the official ones by default. */
  sha256?: Readonly<Record<DatasetFileKey, string>>;
  onProgress?: (event: DownloadEvent) => void;
  /** A mirror that sends nothing for this long is given up on (ms); 30 s by default. */
  stallTimeoutMs?: number;
  /**
   * The most bytes each file may have; the official files' sizes by default. A mirror that
   * announces or sends more is given up on at once, so one that streams forever cannot fill
   * the disk.
   */
  maxBytes?: Readonly<Record<DatasetFileKey, number>>;
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch() reports every network failure as "fetch failed"; the reason is in its cause.
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const known = typeof code !== 'string' || cause.message.includes(code);
    return known ? cause.message : `${code} ${cause.message}`;
  }
  return error.message;
}

class ChecksumMismatch extends Error {}

/** Streams one URL into `tmp`, returning the SHA-256 of what was written. */
async function fetchToFile(
  url: string,
  tmp: string,
  file: string,
  maxBytes: number,
  options: DownloadOptions,
): Promise<{ sha256: string; bytes: number }> {
  const stallMs = options.stallTimeoutMs ?? 30_000;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new Error(`no data for ${Math.round(stallMs / 1000)} s`)),
      stallMs,
    );
  };
  arm();
  try {
    // identity: the bytes hashed must be the .gz file itself, never a re-encoded transfer.
    const response = await fetch(url, {
      signal: controller.signal,
      headers: { 'accept-encoding': 'identity' },
    });
    if (!response.ok || response.body === null) {
      throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    const length = Number(response.headers.get('content-length'));
    const totalBytes = Number.isFinite(length) && length > 0 ? length : undefined;
    if (totalBytes !== undefined && totalBytes > maxBytes) {
      throw new Error(`it announces ${totalBytes} bytes; the official file has ${maxBytes}`);
    }
    options.onProgress?.({ type: 'start', file, url, totalBytes });
    const hash = createHash('sha256');
    let receivedBytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        arm();
        receivedBytes += chunk.length;
        if (receivedBytes > maxBytes) {
          done(new Error(`it sent more than the official file's ${maxBytes} bytes`));
          return;
        }
        hash.update(chunk);
        options.onProgress?.({ type: 'progress', file, receivedBytes, totalBytes });
        done(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>, {
        signal: controller.signal,
      }),
      meter,
      createWriteStream(tmp, { flags: 'wx' }),
    );
    return { sha256: hash.digest('hex'), bytes: receivedBytes };
  } finally {
    clearTimeout(timer);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Removes the temporary files of downloads whose process is gone (killed mid-download,
 * e.g. by Ctrl-C, before it could clean up). Those of a download still running are kept.
 */
/**
 * The temporary files this module writes into the cache, and nothing else: a download of one
 * of the four files (`.train-images-idx3-ubyte.gz.PID.HEX.part`) or the write check
 * (`.write-check.PID.HEX.part`). A file of someone else's that merely ends in `.part` is kept.
 */
const OWN_TEMPORARY = new RegExp(
  `^\\.(?:(?:${DATASET_FILES.map((f) => f.name).join('|')})\\.gz|write-check)\\.(\\d+)\\.[0-9a-f]+\\.part$`,
);

export async function removeStaleTemporaries(cacheDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = OWN_TEMPORARY.exec(name);
    if (match && !isRunning(Number(match[1]))) {
      await rm(join(cacheDir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Why a folder cannot be made or written, in words. mkdir -p on a read-only file system says
 * ENOENT (the first missing folder is never made), so the nearest folder that exists is asked.
 */
async function whyUnwritable(dir: string, error: unknown): Promise<string> {
  let code = (error as NodeJS.ErrnoException).code;
  let where = dir;
  if (code === 'ENOENT') {
    let child = dir;
    let parent = dirname(dir);
    while (
      parent !== child &&
      !(await stat(parent).then(
        () => true,
        () => false,
      ))
    ) {
      child = parent;
      parent = dirname(parent);
    }
    try {
      await mkdir(child);
      await rmdir(child);
    } catch (inner) {
      code = (inner as NodeJS.ErrnoException).code ?? code;
      where = parent;
    }
  }
  const words: Record<string, string> = {
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOSPC: 'the disk is full',
    ENOTDIR: 'a part of the path is a file, not a folder',
  };
  return code && words[code] ? `${where}: ${words[code]}` : describeFailure(error);
}

function offlineFix(cacheDir: string): string {
  return (
    `Put the four Fashion-MNIST files in ${cacheDir} (or in a folder named by --data-dir or ${ENV_DATA_DIR}), ` +
    `or install the Debian package: sudo apt-get install ${DEBIAN_PACKAGE}.`
  );
}

/** Downloads one file into `cacheDir`; returns its final path. */
export async function downloadFile(
  file: DatasetFile,
  cacheDir: string,
  options: DownloadOptions = {},
): Promise<string> {
  const mirrors = options.mirrors ?? OFFICIAL_MIRRORS;
  const expected = (options.sha256 ?? OFFICIAL_SHA256)[file.key].toLowerCase();
  const name = `${file.name}.gz`;
  const dest = join(cacheDir, name);
  try {
    await mkdir(cacheDir, { recursive: true });
    // Proved writable before any byte is fetched (a read-only cache fails here, not per mirror).
    const probe = join(
      cacheDir,
      `.write-check.${process.pid}.${randomBytes(4).toString('hex')}.part`,
    );
    await writeFile(probe, '', { flag: 'wx' });
    await rm(probe, { force: true });
  } catch (error) {
    throw new DataError(
      'download-failed',
      `Cannot write the cache folder ${cacheDir} to download ${name} into (${await whyUnwritable(cacheDir, error)})`,
      offlineFix(cacheDir),
      { file: cacheDir, cause: error },
    );
  }
  await removeStaleTemporaries(cacheDir);
  const failures: string[] = [];
  let badChecksum: { url: string; sha256: string } | undefined;
  for (const [index, base] of mirrors.entries()) {
    const url = new URL(name, base).href;
    // A leading dot and a random part: never picked up as data, never shared between runs.
    const tmp = join(cacheDir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
    try {
      const maxBytes = (options.maxBytes ?? OFFICIAL_BYTES)[file.key];
      const got = await fetchToFile(url, tmp, name, maxBytes, options);
      if (got.sha256 !== expected) {
        badChecksum = { url, sha256: got.sha256 };
        throw new ChecksumMismatch(`SHA-256 ${got.sha256} is not the official ${expected}`);
      }
      await rename(tmp, dest);
      options.onProgress?.({ type: 'done', file: name, url, bytes: got.bytes });
      return dest;
    } catch (error) {
      await rm(tmp, { force: true });
      const reason = describeFailure(error);
      failures.push(`${url}: ${reason}`);
      const last = index === mirrors.length - 1;
      options.onProgress?.({ type: 'mirror-failed', file: name, url, reason, last });
    }
  }
  if (badChecksum !== undefined) {
    throw new DataError(
      'checksum-mismatch',
      `Downloaded ${name} but it is not the official file (SHA-256 ${badChecksum.sha256} from ${badChecksum.url}); nothing was saved`,
      `Check your network or proxy and run again, or ${offlineFix(cacheDir).replace(/^P/, 'p')}`,
      { file: dest },
    );
  }
  throw new DataError(
    'download-failed',
    `The Fashion-MNIST files are not on this machine and ${name} could not be downloaded (${failures.join('; ') || 'no mirrors configured'})`,
    offlineFix(cacheDir),
    { file: dest },
  );
}

/** Downloads those of the four files that `cacheDir` lacks. */
export async function downloadMissing(
  cacheDir: string,
  present: Partial<Record<DatasetFileKey, string>>,
  options: DownloadOptions = {},
): Promise<Record<DatasetFileKey, string>> {
  const files = {} as Record<DatasetFileKey, string>;
  for (const file of DATASET_FILES) {
    files[file.key] = present[file.key] ?? (await downloadFile(file, cacheDir, options));
  }
  return files;
}
