/**
 * One place that turns any failure into what the user sees: one line on stderr,
 * `fmnist: <what went wrong>. <what to do>`, and an exit status.
 *
 *   0  success (also `--help`, `--version`)
 *   1  the command failed (bad data, download failed, a typed error from a package)
 *   2  the command line is wrong (unknown command or option, bad option value)
 */
import { DataError } from '@fmnist/data';
import { OutputFolderError } from '@fmnist/files/node';
import { ModelFileError, NonFiniteLossError } from '@fmnist/nn';
import { ReportInputError } from '@fmnist/reports';
import { ExperimentFileError } from '@fmnist/study/experiment';
import { CommanderError } from 'commander';
import { TrainingError } from './runtime/lanes.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A wrong command line, found after parsing (commander's own are handled below). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `fmnist lab` could not serve: the port is taken, the page is not built. */
export class LabServerError extends Error {
  override readonly name = 'LabServerError';
}

/** The command printed its output and ends with this status (a server stopped by a signal). */
export class EndedWithStatus extends Error {
  override readonly name = 'EndedWithStatus';
  constructor(readonly exitCode: number) {
    super(`exit status ${exitCode}`);
  }
}

/** A check the command makes failed; its output has been printed already. */
export class CheckFailedError extends Error {
  override readonly name = 'CheckFailedError';
}

/**
 * Typed errors whose message is already `<what went wrong>. <what to do>`, written for the
 * user: printed as they are. Add a package's error class here when the CLI starts using it.
 *
 * Of the engine's errors (`NnError` and its subclasses) only those a user can cause and fix are
 * here: a loss that became NaN (names epoch and batch, says what to change) and a model file
 * that cannot be read. A shape or weights mismatch, an invalid argument or a model used before
 * compile() means the CLI built or called the model wrongly: a bug, reported as one.
 */
export const USER_FACING_ERRORS: readonly (abstract new (...args: never[]) => Error)[] = [
  DataError,
  CheckFailedError,
  LabServerError,
  ReportInputError,
  NonFiniteLossError,
  ModelFileError,
  OutputFolderError,
];

/**
 * User-facing errors known by name only: the gpu.js backend's, whose module this file must not
 * import (loading gpu.js in the main thread probes the gl addon, which a training worker then
 * cannot load). A requested gpu.js mode that cannot run here, or that gpu.js fell back from.
 */
export const USER_FACING_ERROR_NAMES: readonly string[] = [
  'GpuJsUnavailableError',
  'GpuJsFallbackError',
];

/**
 * An error is the user's to fix when it is one of USER_FACING_ERRORS (or named in
 * USER_FACING_ERROR_NAMES), or a training worker's TrainingError carrying one of them (it
 * crossed the thread boundary as name and message).
 */
function isUserFacing(error: unknown): error is Error {
  if (USER_FACING_ERRORS.some((type) => error instanceof type)) return true;
  if (error instanceof Error && USER_FACING_ERROR_NAMES.includes(error.name)) return true;
  const names = [...USER_FACING_ERRORS.map((type) => type.name), ...USER_FACING_ERROR_NAMES];
  return (
    error instanceof TrainingError &&
    error.workerErrorName !== undefined &&
    names.includes(error.workerErrorName)
  );
}

export interface ErrorReport {
  /** What to print on stderr; undefined when nothing should be (help was shown). */
  line: string | undefined;
  exitCode: number;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * @param command the command being run (for "see `fmnist <command> --help`"), if known
 * @param debug when true, unexpected errors come with their stack trace
 */
export function reportError(
  error: unknown,
  command: string | undefined,
  debug = false,
): ErrorReport {
  const help = `Run \`fmnist${command ? ` ${command}` : ''} --help\` for the usage.`;
  if (error instanceof CommanderError) {
    // --help and --version end this way too, with exit code 0 and nothing more to say.
    if (error.exitCode === 0) return { line: undefined, exitCode: 0 };
    if (error.code === 'commander.help' || error.code === 'commander.helpDisplayed') {
      // `fmnist` alone: commander has printed the help on stderr already.
      return { line: undefined, exitCode: EXIT_USAGE };
    }
    // commander says "error: unknown command 'dat'\n(Did you mean data?)": make that two
    // sentences of one line.
    let what = oneLine(error.message.replace(/^error:\s*/i, ''));
    let suggestion = '';
    const match = /\s*\((Did you mean .*\?)\)$/.exec(what);
    if (match) {
      what = what.slice(0, match.index);
      suggestion = ` ${match[1]}`;
    }
    return { line: `fmnist: ${sentence(what)}${suggestion} ${help}`, exitCode: EXIT_USAGE };
  }
  if (error instanceof EndedWithStatus) return { line: undefined, exitCode: error.exitCode };
  // A bad experiment file: the message names the file, the place in it and what is allowed.
  if (error instanceof ExperimentFileError) {
    return { line: `fmnist: ${oneLine(error.message)}`, exitCode: EXIT_USAGE };
  }
  if (error instanceof UsageError) {
    return { line: `fmnist: ${sentence(oneLine(error.message))} ${help}`, exitCode: EXIT_USAGE };
  }
  if (isUserFacing(error)) {
    return {
      line: `fmnist: ${sentence(oneLine(error.message))}`,
      exitCode: EXIT_FAILURE,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return {
    line:
      `fmnist: unexpected error: ${sentence(oneLine(message))} ` +
      `This is a bug: please report it with the command you ran (FMNIST_DEBUG=1 shows where it happened).${stack}`,
    exitCode: EXIT_FAILURE,
  };
}
