/**
 * Every way the data can be wrong, as one error class with a `code`, so that callers can
 * branch on the kind of failure and the CLI can print the message as one line.
 *
 * The message is always `<what went wrong>. <what to do>` on a single line, naming the file.
 */
export type DataErrorCode =
  /** A file (or a whole folder of them) is not where it was looked for. */
  | 'missing-file'
  /** The file starts like gzip but does not inflate: truncated or corrupt. */
  | 'corrupt-gzip'
  /** A gzip file inflates to more than any Fashion-MNIST file could (a gzip bomb). */
  | 'too-large'
  /** The IDX magic number is not the one for images (2051) or labels (2049). */
  | 'bad-magic'
  /** The header's dimensions are not the ones expected (28x28 images, one label each). */
  | 'bad-dimensions'
  /** The body is shorter or longer than the header says. */
  | 'bad-length'
  /** The images file and the labels file disagree on how many items there are. */
  | 'count-mismatch'
  /** A label is not one of the 10 classes. */
  | 'label-out-of-range'
  /** No mirror delivered the file. */
  | 'download-failed'
  /** A downloaded file's SHA-256 is not the official one. */
  | 'checksum-mismatch'
  /** An option passed to the data package is not usable (e.g. a negative limit). */
  | 'invalid-option';

export class DataError extends Error {
  override readonly name = 'DataError';
  readonly code: DataErrorCode;
  /** The file (or folder) concerned, when there is one. */
  readonly file: string | undefined;
  /** What went wrong, without the fix. */
  readonly problem: string;
  /** What the user can do about it. */
  readonly fix: string;

  constructor(
    code: DataErrorCode,
    problem: string,
    fix: string,
    options: { file?: string; cause?: unknown } = {},
  ) {
    super(oneLine(`${trimPeriod(problem)}. ${fix}`), { cause: options.cause });
    this.code = code;
    this.file = options.file;
    this.problem = problem;
    this.fix = fix;
  }
}

export function isDataError(value: unknown): value is DataError {
  return value instanceof DataError;
}

function trimPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

/** Messages quote file names and library errors; neither may break the one-line rule. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
