/** Runs `fmnist` on an argument list and returns the exit status; never exits itself. */

import { useNodeTfSettings } from '@fmnist/tf/node';
import type { CommandEntry } from './command.js';
import { COMMANDS } from './commands/index.js';
import type { Io } from './context.js';
import { checkEnvironment } from './environment.js';
import { reportError } from './errors.js';
import { buildProgram } from './program.js';

export async function runCli(
  argv: readonly string[],
  io: Io,
  commands: readonly CommandEntry[] = COMMANDS,
): Promise<number> {
  try {
    // Environment mistakes are usage errors, found before any work starts.
    checkEnvironment(io.env);
    // The TensorFlow.js reference, wherever a command uses it: its wasm files and FMNIST_TF_BACKEND.
    useNodeTfSettings(io.env);
    const program = await buildProgram(io, argv, commands);
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    const command = commands.find((c) => argv.includes(c.name))?.name;
    const { line, exitCode } = reportError(error, command, io.env.FMNIST_DEBUG === '1');
    if (line !== undefined) io.stderr.write(`${line}\n`);
    return exitCode;
  }
}
