/**
 * Writes a report folder atomically: everything goes into a temporary folder beside `outDir`,
 * and only when all of it is written is it renamed into place. An interrupted run leaves at
 * most a hidden temporary folder, never a half report that looks whole, and an existing report
 * is replaced only by a complete one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  collectFigures,
  figureFiles,
  type ReportDocument,
  renderHtml,
  renderMarkdown,
} from '../document.js';
import { ReportInputError } from '../errors.js';

export interface WrittenReport {
  /** The report folder, absolute. */
  dir: string;
  /** Every file written, relative to `dir`, in the order written. */
  files: string[];
}

/** Files whose presence says a folder is a report this package wrote, safe to replace. */
const REPORT_MARKERS = ['report.html', 'results.json', 'report.md'];
const FIGURE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A file that goes into the report folder with the report, e.g. `models/base/model.json`. */
export interface ReportAttachment {
  /** Relative to the report folder, '/'-separated; folders on the way are made. */
  path: string;
  content: string | Uint8Array;
}

export interface WriteReportOptions {
  /** Written before the report's own files, so they appear (atomically) with it or not at all. */
  attachments?: readonly ReportAttachment[];
}

const ATTACHMENT_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const RESERVED = new Set(['figures', 'report.html', 'report.md', 'results.json']);

/**
 * The files of a report, in the order writeReport writes them: the figures, the attachments,
 * results.json, report.md and report.html last. Paths are relative, '/'-separated. A page can
 * be carried inside another report this way: prefix the paths and pass them as attachments.
 */
export function reportFiles(
  doc: ReportDocument,
  attachments: readonly ReportAttachment[] = [],
): ReportAttachment[] {
  const figures = collectFigures(doc.sections);
  checkFigures(figures);
  checkAttachments(attachments);
  const files: ReportAttachment[] = [];
  for (const figure of figures) {
    const paths = figureFiles(figure);
    if (paths.svg && figure.svg !== undefined) files.push({ path: paths.svg, content: figure.svg });
    if (paths.png && figure.png !== undefined) files.push({ path: paths.png, content: figure.png });
  }
  files.push(...attachments);
  files.push({
    path: 'results.json',
    content: `${JSON.stringify(doc.results ?? null, jsonReplacer, 2)}\n`,
  });
  files.push({ path: 'report.md', content: renderMarkdown(doc) });
  // report.html last: it is the file a reader opens, so it appears only with everything else.
  files.push({ path: 'report.html', content: renderHtml(doc) });
  return files;
}

export async function writeReport(
  outDir: string,
  doc: ReportDocument,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const target = resolve(outDir);
  const parent = dirname(target);
  const base = basename(target);
  const contents = reportFiles(doc, options.attachments);
  await checkReplaceable(target);

  await mkdir(parent, { recursive: true });
  await removeStaleTemporaries(parent, base);
  // mkdir, not mkdtemp: mkdtemp's folder is 0700, and the report would keep that mode; this one
  // gets the mode any new folder gets (0777 less the umask), as the folder it replaces had.
  const temp = join(parent, `.${base}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(temp);
  const files: string[] = [];
  try {
    await mkdir(join(temp, 'figures'));
    for (const file of contents) {
      await mkdir(dirname(join(temp, file.path)), { recursive: true });
      await writeFile(join(temp, file.path), file.content);
      files.push(file.path);
    }
    await swapIntoPlace(temp, target, parent, base);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return { dir: target, files };
}

/** Typed arrays become plain arrays in results.json, rather than {"0":..,"1":..} objects. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  return value;
}

function checkFigures(figures: readonly { name: string; svg?: string; png?: Uint8Array }[]): void {
  const seen = new Set<string>();
  for (const figure of figures) {
    if (!FIGURE_NAME.test(figure.name)) {
      throw new ReportInputError(
        `figure name "${figure.name}" cannot be a file name; use letters, digits, '.', '_' and '-' only.`,
      );
    }
    if (seen.has(figure.name)) {
      throw new ReportInputError(
        `two figures are named "${figure.name}"; give each figure its own name.`,
      );
    }
    if (figure.svg === undefined && figure.png === undefined) {
      throw new ReportInputError(
        `figure "${figure.name}" has neither svg nor png; pass at least one.`,
      );
    }
    seen.add(figure.name);
  }
}

function checkAttachments(attachments: readonly ReportAttachment[]): void {
  const seen = new Set<string>();
  for (const { path } of attachments) {
    const segments = path.split('/');
    if (!segments.every((s) => ATTACHMENT_SEGMENT.test(s)) || RESERVED.has(segments[0]!)) {
      throw new ReportInputError(
        `attachment path "${path}" is not a plain relative path beside the report's own files; use '/'-separated names of letters, digits, '.', '_' and '-'.`,
      );
    }
    if (seen.has(path)) {
      throw new ReportInputError(`two attachments are named "${path}"; give each its own path.`);
    }
    seen.add(path);
  }
}

/**
 * Refuses to replace anything but an earlier report or an empty folder, so `--out .` or a typo
 * never deletes someone's files.
 */
async function checkReplaceable(target: string): Promise<void> {
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return;
  if (!info.isDirectory()) {
    throw new ReportInputError(
      `${target} exists and is not a folder; choose another output folder.`,
    );
  }
  const entries = await readdir(target);
  if (entries.length > 0 && !entries.some((e) => REPORT_MARKERS.includes(e))) {
    throw new ReportInputError(
      `${target} is not empty and holds no report (no ${REPORT_MARKERS.join(', ')}); choose an empty or new output folder, as its files would be replaced.`,
    );
  }
}

/**
 * Moves the finished folder into place. POSIX rename cannot replace a non-empty folder, so an
 * existing report is first renamed aside, then the new one in, then the old one removed; if the
 * second rename fails, the old report is put back.
 */
async function swapIntoPlace(
  temp: string,
  target: string,
  parent: string,
  base: string,
): Promise<void> {
  const aside = join(parent, `.${base}.old-${process.pid}-${randomBytes(4).toString('hex')}`);
  let movedAside = false;
  try {
    await rename(target, aside);
    movedAside = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    await rename(temp, target);
  } catch (error) {
    if (movedAside) await rename(aside, target);
    throw error;
  }
  if (movedAside) await rm(aside, { recursive: true, force: true });
}

/**
 * Removes temporary and set-aside folders left by runs that were killed (their process is gone),
 * so interrupted runs do not pile up hidden folders. Those of live processes are left alone.
 */
async function removeStaleTemporaries(parent: string, base: string): Promise<void> {
  const pattern = new RegExp(`^\\.${escapeRegExp(base)}\\.(?:tmp|old)-(\\d+)-`);
  for (const entry of await readdir(parent)) {
    const pid = Number(pattern.exec(entry)?.[1]);
    if (pid && !isAlive(pid)) await rm(join(parent, entry), { recursive: true, force: true });
  }
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
