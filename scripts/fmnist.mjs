#!/usr/bin/env node
// `pnpm fmnist <command>`: builds what is stale (turbo's cache makes this quick when nothing
// changed), then runs the CLI. The build is silent: its output is shown (on stderr, so that
// `--json` stays clean) only when it fails.
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', '--filter=@fmnist/cli...', '--output-logs=errors-only'],
  {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  },
);
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}`);
  if (build.error) process.stderr.write(`${build.error.message}\n`);
  console.error('fmnist: the build failed (see above); fix it or run `pnpm build` for details.');
  process.exit(build.status ?? 1);
}
const run = spawnSync(
  process.execPath,
  [`${root}apps/cli/dist/main.js`, ...process.argv.slice(2)],
  {
    // pnpm runs scripts from the workspace root; run the CLI where the user typed the command.
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by pnpm; this script is no turbo task
    cwd: process.env.INIT_CWD ?? process.cwd(),
    stdio: 'inherit',
  },
);
// A CLI stopped by a signal: 128 + its number, as a shell reports it (130 Ctrl-C, 143 SIGTERM).
process.exit(run.status ?? (run.signal ? 128 + (constants.signals[run.signal] ?? 2) : 1));
