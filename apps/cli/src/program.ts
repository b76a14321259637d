/**
 * The `fmnist` program: commander, with every module of commands/ registered and run the
 * same way (shared options, output on stdout, errors thrown to cli.ts).
 */
import { Command } from 'commander';
import type { CommandModule, CommandOptions } from './command.js';
import { COMMANDS } from './commands/index.js';
import { createContext, type Io } from './context.js';
import { addCommonOptions } from './options.js';

export const VERSION = '0.1.0';

function register(program: Command, module: CommandModule, io: Io): void {
  const command = program
    .command(module.name)
    .summary(module.summary)
    .description(module.description ?? module.summary);
  addCommonOptions(command, module.options);
  module.configure?.(command);
  command.action(async (options: CommandOptions) => {
    const output = await module.run(options, createContext(io));
    // One document, written once: a consumer can parse stdout whole.
    io.stdout.write(options.json ? `${JSON.stringify(output.json, null, 2)}\n` : output.text);
  });
}

export function buildProgram(io: Io, commands: readonly CommandModule[] = COMMANDS): Command {
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
  for (const module of commands) register(program, module, io);
  // Subcommands inherit the program's settings only when created after them; exitOverride
  // and the output are set above, so every command throws instead of exiting.
  return program;
}
