// Builds the lab page into dist/: esbuild bundles the page (main.ts, with uPlot and the CSS)
// and its training worker (worker.ts, with the study, the engine and gpu.js's browser build),
// both ES modules for current browsers; index.html is copied beside them. No CDN, no request
// to any other host: everything the page runs is in these files.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src/main.ts'), join(here, 'src/worker.ts')],
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  sourcemap: true,
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(join(here, 'src/index.html'), join(out, 'index.html'));
