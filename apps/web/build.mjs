// Builds the lab page into dist/: esbuild bundles the page (main.ts, with uPlot and the CSS)
// and its training worker (worker.ts, with the study, the engine and gpu.js's browser build),
// both ES modules for current browsers; index.html is copied beside them. The cross-check's
// TensorFlow.js is a chunk of its own (split out, loaded on first use), and tfjs-backend-wasm's
// .wasm files are copied beside it for the wasm fallback. No CDN, no request to any other
// host: everything the page runs is in these files.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
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
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  sourcemap: true,
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(join(here, 'src/index.html'), join(out, 'index.html'));
const require = createRequire(import.meta.url);
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
for (const file of readdirSync(join(wasmDir, 'dist')).filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(join(wasmDir, 'dist', file), join(out, file));
}
