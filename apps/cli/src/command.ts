/**
 * What a command module is. To add a command: write `commands/<name>.ts` exporting a
 * `CommandModule`, and add a `LazyCommand` entry for it to the list in `commands/index.ts`.
 * The program (program.ts) loads the module of the command being run only, declares it to
 * commander with the shared options it asks for, runs it, and prints what it returns:
 * `json` with --json, else `text`. Errors are thrown, never printed (errors.ts).
 */
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import type { CommonOptionName, CommonOptions } from './options.js';

export interface CommandOutput {
  /** The result as one JSON-able value, printed with --json. */
  json: unknown;
  /** The result as text for a terminal, printed without --json. */
  text: string;
  /**
   * Set when the command ran to the end but a check it makes failed (e.g. a gradient off
   * its finite difference): the output is still printed, then this line, and the exit
   * status is 1, so scripts and CI cannot mistake a failed check for a pass.
   */
  failedCheck?: string;
  /** The exit status when the command ended another way than success (a signal: 130, 143). */
  exitCode?: number;
}

/** The options a command receives: the shared ones it took, plus its own. */
export type CommandOptions = Partial<CommonOptions> & Record<string, unknown>;

export interface CommandModule {
  /** What is typed after `fmnist`. */
  name: string;
  /** One line for `fmnist --help`. */
  summary: string;
  /** More text for `fmnist <name> --help`. */
  description?: string;
  /** The shared options (options.ts) this command takes, in the order --help lists them. */
  options: readonly CommonOptionName[];
  /** Declares options or arguments of its own. */
  configure?(command: Command): void;
  run(options: CommandOptions, context: CommandContext): Promise<CommandOutput>;
}

/**
 * A command as `commands/index.ts` lists it: its name and summary (enough for `fmnist
 * --help` and for "did you mean"), and how to load its module. Only the module of the
 * command being run is imported, so that `fmnist --help` or a typo does not pay for
 * loading TensorFlow.js, the engines and the chart renderer (several seconds).
 */
export interface LazyCommand {
  name: string;
  /** The same one line as the module's `summary`. */
  summary: string;
  load(): Promise<CommandModule>;
}

export type CommandEntry = CommandModule | LazyCommand;

export function isLazy(entry: CommandEntry): entry is LazyCommand {
  return 'load' in entry;
}
