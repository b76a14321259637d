#!/usr/bin/env node
// `pnpm fmnist <command>`: builds what is stale (turbo's cache makes this quick when nothing
// changed), then runs the CLI. Build output goes to stderr so that `--json` stays clean.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', '--filter=@fmnist/cli...', '--output-logs=errors-only'],
  {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  },
);
if (build.status !== 0) {
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
process.exit(run.status ?? (run.signal ? 130 : 1));
