/**
 * Writes a report folder whole: the files are made here (reportFiles) and written by
 * @fmnist/files, which builds the folder beside `outDir` and renames it into place only when
 * all of it is written, replaces a folder only when fmnist wrote it, and keeps the files a
 * user added to it.
 */
import { type OutputFolder, openOutputFolder } from '@fmnist/files/node';
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
  /** Files of the user's that were in the folder and were kept. */
  kept: string[];
}

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
  /** The folder, claimed before the long work (openOutputFolder); claimed now when absent. */
  folder?: OutputFolder;
  /** The command that wrote it and its version, recorded in the folder's manifest. */
  command?: string;
  version?: string;
  /** Notes for the user (files of theirs kept, an interrupted run's folder put back). */
  log?: (line: string) => void;
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

/**
 * Writes the report into `outDir` (see @fmnist/files: replaced only when fmnist wrote it, the
 * user's own files in it kept, swapped in whole). A caller with long work to do first claims
 * the folder with `openOutputFolder` before the work and passes it as `options.folder`.
 */
export async function writeReport(
  outDir: string,
  doc: ReportDocument,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const contents = reportFiles(doc, options.attachments);
  const folder =
    options.folder ??
    (await openOutputFolder(outDir, {
      what: 'report',
      command: options.command ?? 'fmnist',
      version: options.version ?? '',
      log: options.log,
    }));
  const written = await folder.write(contents);
  return { dir: written.dir, files: written.files, kept: written.kept };
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
