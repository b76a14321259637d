/**
 * A folder the tool writes whole (a report, a saved model) and may later replace, without ever
 * losing a file it did not write. The rules, and why:
 *
 * 1. **The tool's folders carry a manifest.** `.fmnist-manifest.json` lists every file the tool
 *    wrote there, with its SHA-256 and the command that wrote it. A folder is an earlier output
 *    of the tool only when it holds one; a non-empty folder without it is refused before any
 *    work starts (a folder that merely holds a `results.json` is somebody's project).
 * 2. **Files it did not write are the user's.** A file the manifest does not list (a note added
 *    to a report, a `.git`) is carried over into the new folder; a listed file whose bytes
 *    changed is the user's edit, and the run is refused saying which. Nothing is deleted but
 *    files the manifest vouches for.
 * 3. **One writer per folder.** A lock file beside it (`.fmnist-lock-<key>`, created
 *    exclusively, holding the process id) is taken before the long work and kept until the
 *    folder is written; a second run is refused at once. A lock whose process is gone is stale
 *    and taken over.
 * 4. **The swap survives any signal.** The new folder is written whole beside the target
 *    (`.fmnist-new-<key>-…`), the old one is renamed aside (`.fmnist-old-<key>-…`) and the new
 *    one into place by two synchronous renames (no signal handler runs between them); then the
 *    user's files move from the old folder into the new and the old one is removed. A run that
 *    dies anywhere leaves either the old folder or the new one in place, and the next run puts
 *    a set-aside folder back (or moves the user's files out of it) before it does anything
 *    else; only the tool's own half-written folders are removed.
 * 5. **What can be checked is checked first**: a file in the way, a mount point (cannot be
 *    renamed), a name too long for the file system, a parent that cannot be written, too little
 *    free space, a folder that holds the data. An empty folder that cannot be swapped (a mount
 *    point, or one whose parent is read-only) is written in place, with the manifest written
 *    first as `writing` so that an interrupted run's files are still known to be the tool's.
 *
 * The `<key>` in the hidden names is a short hash of the folder's name, so a long name never
 * makes them longer than the file system allows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  statfs,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The manifest's file name, in every folder the tool writes. */
export const MANIFEST = '.fmnist-manifest.json';
const FORMAT = 'fmnist-lab/folder-manifest@1';
/** A manifest larger than this is not one the tool wrote. */
const MAX_MANIFEST_BYTES = 16 * 2 ** 20;
/** Folders deeper than this, or with more entries, are not walked (and not the tool's). */
const MAX_WALK_DEPTH = 32;
const MAX_WALK_ENTRIES = 200_000;
/** The manifest while it is replaced in place (replaceFile); an interrupted one is the tool's. */
const MANIFEST_TEMP = /^\.fmnist-manifest\.json\.\d+-[0-9a-f]+\.tmp$/;

export interface FolderFile {
  /** Relative to the folder, '/'-separated. */
  path: string;
  content: string | Uint8Array;
}

export interface Manifest {
  format: string;
  /** What the folder holds: 'report', 'model'. */
  what: string;
  command: string;
  version: string;
  writtenAt: string;
  /** `writing` while a folder is written in place; `complete` once every file is there. */
  state: 'writing' | 'complete';
  files: Record<string, { sha256: string; bytes: number }>;
}

export type OutputFolderProblem =
  | 'not-a-folder'
  | 'not-ours'
  | 'edited'
  | 'in-use'
  | 'mount-point'
  | 'no-space'
  | 'name-too-long'
  | 'unwritable'
  | 'conflict'
  | 'protected'
  | 'bad-path';

/** The folder cannot be written or replaced; the message says why and what to do. */
export class OutputFolderError extends Error {
  override readonly name = 'OutputFolderError';
  constructor(
    readonly problem: OutputFolderProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface OutputFolderOptions {
  /** What the folder holds, in messages and the manifest: 'report', 'model'. */
  what: string;
  /** How the user named the folder (`--out r`), for messages; the path by default. */
  label?: string;
  /** The command that writes it, recorded in the manifest. */
  command: string;
  version: string;
  /** The room its files usually take: refused at once when the disk has less free. */
  expectedBytes?: number;
  /** Folders the output must not be, nor be inside (the data it reads). */
  protect?: readonly { dir: string; what: string }[];
  /** Notes for the user: a set-aside folder put back, files of theirs kept. */
  log?: (line: string) => void;
}

export interface WrittenFolder {
  /** The folder, absolute. */
  dir: string;
  /** The files written, relative, in the order given (the manifest not counted). */
  files: string[];
  /** Files or folders of the user's that were in the folder and were kept, relative. */
  kept: string[];
}

type Mode = 'swap' | 'in-place';

/**
 * Claims `dir` for a folder of the tool's: takes its lock, puts back what an interrupted run
 * set aside, and checks everything that can be checked before the work that fills it. Call
 * `write` with the files when they are ready, or `release` when the work failed.
 */
export async function openOutputFolder(
  dir: string,
  options: OutputFolderOptions,
): Promise<OutputFolder> {
  const label = options.label ?? dir;
  let target = resolve(dir);
  const link = await lstat(target).catch(() => undefined);
  if (link?.isSymbolicLink()) {
    target = await realpath(target).catch(() => target);
  }
  const parent = dirname(target);
  if (parent === target) {
    throw new OutputFolderError(
      'unwritable',
      `${label} is the root folder, which cannot hold a ${options.what}; choose a folder inside it`,
    );
  }
  await checkProtected(target, label, options);
  const created = await makeParents(parent, label);
  const key = keyOf(basename(target));

  let lock: Lock;
  let mode: Mode = 'swap';
  try {
    lock = await takeLock(join(parent, `.fmnist-lock-${key}`), label, options.what);
  } catch (error) {
    // A parent that cannot take the lock cannot take the swap's renames either: an empty
    // folder there is written in place, with its lock inside it.
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'EACCES' || code === 'EPERM' || code === 'EROFS') && (await isFolder(target))) {
      mode = 'in-place';
      lock = await takeLock(join(target, '.fmnist-lock'), label, options.what).catch((inner) => {
        throw fsError(inner, label, target);
      });
    } else {
      await removeCreated(created);
      throw fsError(error, label, parent);
    }
  }
  try {
    if (mode === 'swap') await recoverLeftovers(parent, key, target, options);
    const inspected = await inspectTarget(target, label, options, mode);
    mode = inspected.mode;
    await checkSpace(mode === 'in-place' ? target : parent, label, options);
    return new OutputFolder(target, parent, key, mode, inspected.kept, lock, created, options);
  } catch (error) {
    lock.release();
    await removeCreated(created);
    throw error;
  }
}

/** Claims `dir` and writes `files` into it at once (for output that takes no long work). */
export async function writeOutputFolder(
  dir: string,
  files: readonly FolderFile[],
  options: OutputFolderOptions,
): Promise<WrittenFolder> {
  const folder = await openOutputFolder(dir, options);
  return folder.write(files);
}

/** A folder claimed by openOutputFolder, to be written once. */
export class OutputFolder {
  private done = false;

  constructor(
    /** The folder, absolute. */
    readonly dir: string,
    private readonly parent: string,
    private readonly key: string,
    private readonly mode: Mode,
    /** Files and folders of the user's found in it (relative), which the write keeps. */
    readonly kept: readonly string[],
    private readonly lock: Lock,
    private readonly created: readonly string[],
    private readonly options: OutputFolderOptions,
  ) {}

  /** Gives the folder up unwritten (the work failed): the lock goes, nothing else changes. */
  async release(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.lock.release();
    await removeCreated(this.created);
  }

  /**
   * Writes the files as the folder's whole content, with the manifest, and releases it. On
   * failure the earlier folder, if any, is left as it was.
   */
  async write(files: readonly FolderFile[]): Promise<WrittenFolder> {
    if (this.done) throw new Error('This output folder was written or released already.');
    this.done = true;
    try {
      checkPaths(files);
      const manifest = manifestOf(files, this.options);
      const label = this.options.label ?? this.dir;
      if (this.mode === 'in-place') {
        await this.writeInPlace(files, manifest, label);
        return { dir: this.dir, files: files.map((f) => f.path), kept: [] };
      }
      const temp = join(this.parent, `.fmnist-new-${this.key}-${process.pid}-${hex()}`);
      try {
        await mkdir(temp);
        await writeFiles(temp, files);
        await writeFile(join(temp, MANIFEST), manifestText(manifest));
      } catch (error) {
        await removeOwnFolder(temp);
        throw writeError(error, label, this.options.what, this.dir);
      }
      // The folder may have changed during the long work: look again, just before the swap.
      const now = await inspectTarget(this.dir, label, this.options, 'swap').catch(
        async (error) => {
          await removeOwnFolder(temp);
          throw error;
        },
      );
      const clash = now.kept.find((path) => clashes(path, files));
      if (clash !== undefined) {
        await removeOwnFolder(temp);
        throw new OutputFolderError(
          'conflict',
          `${join(label, clash)} is a file of yours where the new ${this.options.what} writes one of its own; move it out of ${label} and run again (the earlier ${this.options.what} is untouched)`,
        );
      }
      const aside = join(this.parent, `.fmnist-old-${this.key}-${process.pid}-${hex()}`);
      try {
        swap(temp, this.dir, aside, label, this.options.what);
      } catch (error) {
        await removeOwnFolder(temp);
        throw error;
      }
      await carryOver(aside, this.dir, now.kept);
      await removeOwnFolder(aside);
      if (now.kept.length > 0) {
        this.options.log?.(
          `kept ${now.kept.length} file${now.kept.length === 1 ? '' : 's'} of yours in ${label}: ${listed(now.kept)}`,
        );
      }
      return { dir: this.dir, files: files.map((f) => f.path), kept: now.kept };
    } finally {
      this.lock.release();
    }
  }

  /**
   * An empty folder that cannot be swapped: the manifest goes first (state `writing`, listing
   * every file to come), then the files, then the manifest again as `complete`.
   */
  private async writeInPlace(
    files: readonly FolderFile[],
    manifest: Manifest,
    label: string,
  ): Promise<void> {
    try {
      await replaceFile(join(this.dir, MANIFEST), manifestText({ ...manifest, state: 'writing' }));
      await writeFiles(this.dir, files);
      await replaceFile(join(this.dir, MANIFEST), manifestText(manifest));
    } catch (error) {
      throw writeError(error, label, this.options.what, this.dir, true);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Checks before the work

async function checkProtected(
  target: string,
  label: string,
  options: OutputFolderOptions,
): Promise<void> {
  for (const { dir, what } of options.protect ?? []) {
    const real = await realpath(dir).catch(() => resolve(dir));
    if (isWithin(target, real) || isWithin(target, resolve(dir))) {
      throw new OutputFolderError(
        'protected',
        `${label} is ${target === real || target === resolve(dir) ? '' : 'inside '}${what} (${dir}), which a ${options.what} must not replace; choose another folder`,
      );
    }
  }
}

function isWithin(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Makes the missing folders up to `parent`; returns those made, deepest first. */
async function makeParents(parent: string, label: string): Promise<string[]> {
  const missing: string[] = [];
  for (let p = parent; ; p = dirname(p)) {
    const info = await stat(p).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw fsError(error, label, p);
    });
    if (info) {
      if (!info.isDirectory()) {
        throw new OutputFolderError(
          'not-a-folder',
          `${label} cannot be made: ${p} is a file, not a folder; choose another folder`,
        );
      }
      break;
    }
    missing.push(p);
    if (dirname(p) === p) break;
  }
  const made: string[] = [];
  for (const p of missing.reverse()) {
    try {
      await mkdir(p);
      made.unshift(p);
    } catch (error) {
      await removeCreated(made);
      throw fsError(error, label, p);
    }
  }
  return made;
}

/** Removes the folders makeParents made, when they are still empty (a failed run). */
async function removeCreated(created: readonly string[]): Promise<void> {
  for (const p of created) {
    try {
      await rmdir(p);
    } catch {
      return;
    }
  }
}

interface Inspected {
  mode: Mode;
  kept: string[];
}

async function inspectTarget(
  target: string,
  label: string,
  options: OutputFolderOptions,
  mode: Mode,
): Promise<Inspected> {
  const what = options.what;
  const info = await lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw fsError(error, label, target);
  });
  if (!info) {
    // Proves now that the name can be made here (length, permissions), not after the work.
    try {
      await mkdir(target);
      await rmdir(target);
    } catch (error) {
      throw fsError(error, label, target);
    }
    return { mode: 'swap', kept: [] };
  }
  if (!info.isDirectory()) {
    throw new OutputFolderError(
      'not-a-folder',
      `${label} is a file, not a folder; choose a new or empty folder for the ${what}`,
    );
  }
  const entries = (await readdir(target)).filter((e) => e !== '.fmnist-lock');
  const manifest = entries.includes(MANIFEST) ? await readManifest(target) : undefined;
  if (entries.length > 0 && manifest === undefined) {
    throw new OutputFolderError(
      'not-ours',
      `${label} is not empty and was not written by fmnist (it has no ${MANIFEST}), so nothing in it will be replaced; choose a new or empty folder for the ${what}`,
    );
  }
  const { edited, foreign } = manifest
    ? await compare(target, manifest, label, what)
    : { edited: [], foreign: [] };
  if (edited.length > 0) {
    throw new OutputFolderError(
      'edited',
      `${join(label, edited[0]!)}${edited.length > 1 ? ` (and ${edited.length - 1} more)` : ''} changed after fmnist wrote it; move your version out of ${label} and run again, or choose another folder`,
    );
  }
  // Empty, or only what an interrupted in-place write left (its manifest lists every file).
  const blank =
    entries.every((e) => MANIFEST_TEMP.test(e)) ||
    (manifest?.state === 'writing' && foreign.length === 0);
  if (mode === 'swap') {
    const mount = await isMountPoint(target);
    if (mount || !(await canRename(target))) {
      if (!blank) {
        throw new OutputFolderError(
          mount ? 'mount-point' : 'unwritable',
          mount
            ? `${label} is a mount point holding an earlier ${what}; fmnist replaces a ${what} whole by renaming its folder, which a mount point cannot be. Choose a folder inside it (e.g. ${join(label, 'fmnist-report')}), or empty it`
            : `${label} holds an earlier ${what} that cannot be replaced: its parent folder ${dirname(target)} cannot be written; choose another folder`,
        );
      }
      mode = 'in-place';
    }
  }
  if (mode === 'in-place') {
    if (!blank) {
      throw new OutputFolderError(
        'unwritable',
        `${label} is not empty and cannot be replaced: its parent folder ${dirname(target)} cannot be written; choose another folder`,
      );
    }
    // An interrupted in-place write: its files are known, and go before the new ones come.
    if (manifest) {
      for (const path of Object.keys(manifest.files)) {
        await rm(join(target, ...path.split('/')), { force: true });
      }
      await rm(join(target, MANIFEST), { force: true });
    }
    for (const entry of entries) {
      if (MANIFEST_TEMP.test(entry)) await rm(join(target, entry), { force: true });
    }
    return { mode, kept: [] };
  }
  return { mode, kept: foreign };
}

/** Reads and checks a manifest; a file that is not one the tool wrote is refused. */
async function readManifest(folder: string): Promise<Manifest> {
  const path = join(folder, MANIFEST);
  const bad = (why: string) =>
    new OutputFolderError(
      'not-ours',
      `${path} is not a manifest fmnist wrote (${why}), so nothing in ${folder} will be replaced; choose a new or empty folder`,
    );
  const info = await lstat(path);
  if (!info.isFile()) throw bad('not a regular file');
  if (info.size > MAX_MANIFEST_BYTES) throw bad('too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw bad('not JSON');
  }
  const m = parsed as Partial<Manifest> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    m.format !== FORMAT ||
    (m.state !== 'writing' && m.state !== 'complete') ||
    typeof m.files !== 'object' ||
    m.files === null ||
    Array.isArray(m.files)
  ) {
    throw bad(`no "format": "${FORMAT}"`);
  }
  for (const [file, entry] of Object.entries(m.files)) {
    const e = entry as { sha256?: unknown } | null;
    if (!safeRelative(file) || typeof e?.sha256 !== 'string') throw bad(`its entry "${file}"`);
  }
  return m as Manifest;
}

/**
 * Walks the folder: listed files whose bytes are no longer the tool's (`edited`), and what the
 * manifest does not list (`foreign`: a folder of the user's whole, else single files).
 */
async function compare(
  folder: string,
  manifest: Manifest,
  label: string,
  what: string,
): Promise<{ edited: string[]; foreign: string[] }> {
  const listedFiles = new Map(Object.entries(manifest.files));
  const listedDirs = new Set<string>();
  for (const path of listedFiles.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) listedDirs.add(parts.slice(0, i).join('/'));
  }
  const edited: string[] = [];
  const foreign: string[] = [];
  let seen = 0;
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > MAX_WALK_DEPTH) {
      throw new OutputFolderError(
        'not-ours',
        `${join(label, rel)} is nested more than ${MAX_WALK_DEPTH} folders deep, which no ${what} of fmnist's is; choose a new or empty folder`,
      );
    }
    for (const entry of await readdir(join(folder, rel), { withFileTypes: true })) {
      if (++seen > MAX_WALK_ENTRIES) {
        throw new OutputFolderError(
          'not-ours',
          `${label} holds more than ${MAX_WALK_ENTRIES} files, which no ${what} of fmnist's does; choose a new or empty folder`,
        );
      }
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (path === MANIFEST || path === '.fmnist-lock' || MANIFEST_TEMP.test(path)) continue;
      if (entry.isDirectory() && listedDirs.has(path)) {
        await walk(path, depth + 1);
      } else if (entry.isFile() && listedFiles.has(path)) {
        if (manifest.state === 'complete') {
          const sum = await sha256File(join(folder, path));
          if (sum !== listedFiles.get(path)!.sha256) edited.push(path);
        }
      } else {
        foreign.push(path);
      }
    }
  };
  await walk('', 0);
  return { edited, foreign };
}

async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Linux's mount table names every mount point; elsewhere a device change tells. */
async function isMountPoint(path: string): Promise<boolean> {
  try {
    const [self, up] = await Promise.all([stat(path), stat(dirname(path))]);
    if (self.dev !== up.dev) return true;
  } catch {
    return false;
  }
  let table: string;
  try {
    table = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return false;
  }
  return mountPoints(table).includes(path);
}

/** The mount points in /proc/self/mountinfo (field 5, with its octal escapes undone). */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => field !== undefined && field !== '')
    .map((field) =>
      field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))),
    );
}

/** Whether the folder's parent takes a new entry (what the swap's renames need). */
async function canRename(target: string): Promise<boolean> {
  const probe = join(dirname(target), `.fmnist-probe-${process.pid}-${hex()}`);
  try {
    await mkdir(probe);
    await rmdir(probe);
    return true;
  } catch {
    return false;
  }
}

async function isFolder(path: string): Promise<boolean> {
  return lstat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

async function checkSpace(where: string, label: string, options: OutputFolderOptions) {
  if (!options.expectedBytes) return;
  let free: number;
  try {
    const fs = await statfs(where);
    free = fs.bavail * fs.bsize;
  } catch {
    return;
  }
  if (free < options.expectedBytes) {
    throw new OutputFolderError(
      'no-space',
      `${label} is on a disk with ${mib(free)} free, and a ${options.what} takes about ${mib(options.expectedBytes)}; free some space or choose a folder on another disk`,
    );
  }
}

function mib(bytes: number): string {
  return bytes < 2 ** 20 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

// ---------------------------------------------------------------------------------------------
// One writer per folder

interface Lock {
  release(): void;
}

async function takeLock(path: string, label: string, what: string): Promise<Lock> {
  const token = `${process.pid} ${hex()}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, token);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw error;
      let pid = 0;
      try {
        pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // gone since: try again
      }
      if (pid > 0 && isAlive(pid)) {
        throw new OutputFolderError(
          'in-use',
          `${label} is being written by another fmnist (process ${pid}); wait for it to finish or choose another folder for the ${what}${pid === process.pid ? '' : ` (if no fmnist is running, delete ${path})`}`,
        );
      }
      // Its process is gone: a stale lock, taken over.
      try {
        unlinkSync(path);
      } catch {
        // someone else took it over first: the next attempt finds theirs
      }
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    try {
      if (readFileSync(path, 'utf8') === token) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  // A run that exits (an error, a signal's handler) leaves no lock behind.
  process.on('exit', release);
  return { release };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------
// What an interrupted run left

/**
 * Under the lock, every hidden folder of this target's is a dead run's: a half-written new
 * folder is removed; a set-aside old one is put back when the target is missing, else its
 * user's files are moved into the target and it is removed. Folders set aside by earlier
 * versions of the tool (`.NAME.old-PID-…`, which did not know whose files they held) are put
 * back or kept under a visible name, never removed.
 */
async function recoverLeftovers(
  parent: string,
  key: string,
  target: string,
  options: OutputFolderOptions,
): Promise<void> {
  const label = options.label ?? target;
  const base = basename(target);
  const ours = new RegExp(`^\\.fmnist-(new|old)-${key}-(\\d+)-[0-9a-f]+$`);
  const legacy = new RegExp(`^\\.${escapeRegExp(base)}\\.(tmp|old)-(\\d+)-[0-9a-f]+$`);
  for (const entry of await readdir(parent)) {
    const own = ours.exec(entry);
    const match = own ?? legacy.exec(entry);
    if (!match) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || isAlive(pid)) continue;
    const path = join(parent, entry);
    const kind = match[1];
    if (kind === 'new' || kind === 'tmp') {
      await removeOwnFolder(path);
      continue;
    }
    const targetThere = await lstat(target).then(
      () => true,
      () => false,
    );
    if (!targetThere) {
      await rename(path, target);
      options.log?.(
        `put back the earlier ${options.what} in ${label}, which an interrupted run had set aside`,
      );
      continue;
    }
    if (own) {
      // The swap had happened: the user's files in the old folder still have to move over.
      const manifest = await readManifest(path).catch(() => undefined);
      if (manifest) {
        const { foreign } = await compare(path, manifest, label, options.what);
        const movable = [];
        for (const rel of foreign) {
          if (!(await exists(join(target, rel)))) movable.push(rel);
        }
        await carryOver(path, target, movable);
        if (movable.length === foreign.length) {
          await removeOwnFolder(path);
          if (movable.length > 0) {
            options.log?.(
              `moved ${listed(movable)} into ${label}, where an interrupted run had left them aside`,
            );
          }
          continue;
        }
      }
    }
    const keep = `${target}.recovered-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(path, keep);
    options.log?.(
      `kept an earlier ${options.what} that an interrupted run had set aside as ${keep}; look through it and delete it when you are done`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

function checkPaths(files: readonly FolderFile[]): void {
  const seen = new Set<string>();
  for (const { path } of files) {
    if (!safeRelative(path) || path === MANIFEST || path === '.fmnist-lock') {
      throw new OutputFolderError(
        'bad-path',
        `"${path}" is not a plain relative path inside the folder; use '/'-separated names`,
      );
    }
    if (seen.has(path)) {
      throw new OutputFolderError('bad-path', `two files are named "${path}"; give each its own`);
    }
    seen.add(path);
  }
}

function safeRelative(path: string): boolean {
  return (
    path.length > 0 &&
    !path.startsWith('/') &&
    !path.includes('\\') &&
    !path.includes('\0') &&
    path.split('/').every((s) => s !== '' && s !== '.' && s !== '..')
  );
}

function manifestOf(files: readonly FolderFile[], options: OutputFolderOptions): Manifest {
  const entries: Manifest['files'] = {};
  for (const { path, content } of files) {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    entries[path] = {
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
    };
  }
  return {
    format: FORMAT,
    what: options.what,
    command: options.command,
    version: options.version,
    writtenAt: new Date().toISOString(),
    state: 'complete',
    files: entries,
  };
}

function manifestText(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

async function writeFiles(folder: string, files: readonly FolderFile[]): Promise<void> {
  for (const file of files) {
    const path = join(folder, ...file.path.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
  }
}

/** Writes a file whole, then renames it over the old one. */
async function replaceFile(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}-${hex()}.tmp`;
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Whether a file of the user's at `path` stands where one of the new files goes. */
function clashes(path: string, files: readonly FolderFile[]): boolean {
  return files.some(
    (f) => f.path === path || f.path.startsWith(`${path}/`) || path.startsWith(`${f.path}/`),
  );
}

/**
 * The two renames, synchronously: JavaScript signal handlers run between event-loop turns, so
 * none runs between them. If the second fails, the old folder goes back.
 */
function swap(temp: string, target: string, aside: string, label: string, what: string): void {
  let movedAside = false;
  try {
    renameSync(target, aside);
    movedAside = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw writeError(error, label, what, target);
    }
  }
  try {
    renameSync(temp, target);
  } catch (error) {
    if (movedAside) renameSync(aside, target);
    throw writeError(error, label, what, target);
  }
}

/** Moves the user's files and folders (relative paths) from `from` into `to`. */
async function carryOver(from: string, to: string, paths: readonly string[]): Promise<void> {
  for (const rel of paths) {
    const dest = join(to, ...rel.split('/'));
    await mkdir(dirname(dest), { recursive: true });
    await rename(join(from, ...rel.split('/')), dest);
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

// ---------------------------------------------------------------------------------------------
// Messages

/** A file-system error before the work: what it means for this folder, and what to do. */
function fsError(error: unknown, label: string, where: string): OutputFolderError {
  if (error instanceof OutputFolderError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOTDIR'
        ? 'a part of the path is a file, not a folder'
        : code === 'EROFS'
          ? 'the file system is read-only'
          : code === 'ENAMETOOLONG'
            ? 'the name is too long for the file system'
            : code === 'ENOSPC' || code === 'EDQUOT'
              ? 'the disk is full'
              : `${code ?? (error as Error).message}`;
  return new OutputFolderError(
    code === 'ENAMETOOLONG' ? 'name-too-long' : code === 'ENOSPC' ? 'no-space' : 'unwritable',
    `${label} cannot be written (${where}: ${reason}); choose ${code === 'ENAMETOOLONG' ? 'a shorter name' : 'a folder you can write to'}`,
  );
}

/** A failure while writing: what happened, that the earlier folder is intact, what to do. */
function writeError(
  error: unknown,
  label: string,
  what: string,
  where: string,
  inPlace = false,
): OutputFolderError {
  if (error instanceof OutputFolderError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const untouched = inPlace
    ? `the files written so far are listed in ${join(label, MANIFEST)} and the next run replaces them`
    : `the earlier ${what} in ${label}, if any, is untouched`;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new OutputFolderError(
      'no-space',
      `the disk holding ${label} is full, so the ${what} could not be written (${untouched}); free some space and run again`,
    );
  }
  if (code === 'EBUSY') {
    return new OutputFolderError(
      'mount-point',
      `${label} is in use by the system (a mount point?) and cannot be replaced (${untouched}); choose a folder inside it`,
    );
  }
  if (code === 'ENOTEMPTY' || code === 'EEXIST') {
    return new OutputFolderError(
      'in-use',
      `${label} was changed by another program while the ${what} was written (${untouched}); run again`,
    );
  }
  const fs = fsError(error, label, where);
  return new OutputFolderError(
    fs.problem,
    `${fs.message.replace(/; choose .*$/, '')} (${untouched})`,
  );
}

function listed(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).join(', ');
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

function keyOf(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 12);
}

function hex(): string {
  return randomBytes(4).toString('hex');
}

/** The hidden folders this module makes beside a target, and those earlier versions made. */
const OWN_FOLDER =
  /^\.(?:fmnist-(?:new|old)-[0-9a-f]{12}-\d+-[0-9a-f]+|.+\.(?:tmp|old)-\d+-[0-9a-f]+)$/;

/**
 * Removes a folder of this module's own, and refuses anything else: the one recursive delete
 * here checks the name it was handed, so no bug in a path computed above can reach a folder
 * that is not one of these (a user's, or the temporary folder itself).
 */
async function removeOwnFolder(path: string): Promise<void> {
  if (!OWN_FOLDER.test(basename(path))) {
    throw new Error(`Refusing to remove ${path}: not a temporary folder of fmnist's.`);
  }
  await rm(path, { recursive: true, force: true });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
