// The tests run the built CLI as a user would; build it first when dist/ is older than any
// source, so they never run a stale dist/ (turbo builds this package's dependencies before
// the tests, not the package itself). After `pnpm build`, as in CI, nothing is rebuilt.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(join(root, 'dist', 'main.js')).mtimeMs;
  } catch {
    return 0;
  }
}

export default function buildCli(): void {
  if (builtAt() > newestSource(join(root, 'src'))) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    });
  } catch (error) {
    // tsc still writes the JavaScript when it finds type errors; those are the typecheck
    // step's to report. Only a build that wrote nothing stops the tests.
    if (builtAt() === 0) throw error;
  }
}
