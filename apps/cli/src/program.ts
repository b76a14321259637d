/**
 * The `fmnist` program: commander, with every module of commands/ registered and run the
 * same way (shared options, output on stdout, errors thrown to cli.ts).
 */
import { Command } from 'commander';
import { type CommandEntry, type CommandModule, type CommandOptions, isLazy } from './command.js';
import { COMMANDS } from './commands/index.js';
import { createContext, type Io } from './context.js';
import { CheckFailedError, EndedWithStatus } from './errors.js';
import { addCommonOptions } from './options.js';
import { VERSION } from './version.js';

export { VERSION } from './version.js';

function register(program: Command, module: CommandModule, io: Io): void {
  const command = program
    .command(module.name)
    .summary(module.summary)
    .description(module.description ?? module.summary);
  addCommonOptions(command, module.options);
  module.configure?.(command);
  // commander passes the positional arguments first, then the options, then the command.
  command.action(async (...params: unknown[]) => {
    const self = params.at(-1) as Command;
    const values = self.opts() as CommandOptions;
    // Which options the user typed (not commander's defaults): an experiment file's seed gives
    // way to a --seed typed, not to the default one.
    const typed = Object.keys(values).filter((key) => self.getOptionValueSource(key) === 'cli');
    const options: CommandOptions = { ...values, args: self.args, typed };
    const output = await module.run(options, createContext(io));
    // One document, written once: a consumer can parse stdout whole.
    io.stdout.write(options.json ? `${JSON.stringify(output.json, null, 2)}\n` : output.text);
    if (output.failedCheck !== undefined) throw new CheckFailedError(output.failedCheck);
    if (output.exitCode !== undefined) throw new EndedWithStatus(output.exitCode);
  });
}

/**
 * The command a command line runs: its first word, or the word after `help`. Commander has
 * no options of the program's own before the command except --help and --version, so the
 * first word not starting with `-` is the command.
 */
export function invokedCommand(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Builds the program for one command line: the command it runs is loaded and declared in
 * full; the others are declared by name and summary only, for the help and suggestions.
 */
export async function buildProgram(
  io: Io,
  argv: readonly string[],
  commands: readonly CommandEntry[] = COMMANDS,
): Promise<Command> {
  const program = new Command('fmnist')
    .description(
      'Fashion-MNIST: which half of an image carries the information, and how regularisation changes small dense networks; a from-scratch engine checked against TensorFlow.js.',
    )
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Errors are reported once, by cli.ts, as one line; commander's own text is dropped.
      outputError: () => {},
    });
  // Subcommands inherit exitOverride and the output settings because they are created
  // after them: every command throws instead of exiting.
  const wanted = invokedCommand(argv);
  for (const entry of commands) {
    if (!isLazy(entry)) register(program, entry, io);
    else if (entry.name === wanted) register(program, await entry.load(), io);
    else program.command(entry.name).summary(entry.summary);
  }
  return program;
}
