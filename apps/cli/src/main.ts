#!/usr/bin/env node
// The `fmnist` executable. Sets the exit status rather than calling process.exit(), so
// that a large JSON document on a pipe is flushed whole before the process ends.
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
