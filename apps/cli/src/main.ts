#!/usr/bin/env node
// The `fmnist` executable. Sets the exit status rather than calling process.exit(), so
// that a large JSON document on a pipe is flushed whole before the process ends.
import { runCli } from './cli.js';
import { EXIT_FAILURE } from './errors.js';

// Standard output that cannot be written: a reader that went away (`| head`) ends the run
// quietly, as Unix tools do; a full disk or another failure is said in one line.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  const why =
    error.code === 'ENOSPC'
      ? 'no space left on the device it goes to'
      : `${error.code ?? error.message}`;
  process.stderr.write(
    `fmnist: could not write the output to standard output (${why}). Send it somewhere with room, e.g. --out for the report and > a file on another disk.\n`,
  );
  process.exit(EXIT_FAILURE);
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
