/**
 * What a command module is. To add a command: write `commands/<name>.ts` exporting a
 * `CommandModule`, and add it to the list in `commands/index.ts`. The program (program.ts)
 * declares it to commander with the shared options it asks for, runs it, and prints what it
 * returns: `json` with --json, else `text`. Errors are thrown, never printed (errors.ts).
 */
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import type { CommonOptionName, CommonOptions } from './options.js';

export interface CommandOutput {
  /** The result as one JSON-able value, printed with --json. */
  json: unknown;
  /** The result as text for a terminal, printed without --json. */
  text: string;
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
