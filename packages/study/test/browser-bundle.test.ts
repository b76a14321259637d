/**
 * What computes runs in a browser as in Node (docs/architecture.md): each package's main entry is bundled
 * with esbuild for the browser, and the bundle must need no Node built-in (`node:fs`, `zlib`,
 * `worker_threads`...): esbuild cannot resolve one for the browser, unless a package's own
 * `browser` field maps it away (as tfjs-backend-wasm does for its Node-only branches). Node-only
 * code lives in `node/` entries (`@fmnist/data/node`, ...) and in apps/cli. Built in memory.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const ENTRIES = ['core', 'data', 'nn', 'reports', 'tf', 'study'].map((name) => ({
  name: `@fmnist/${name}`,
  file: `${root}packages/${name}/src/index.ts`,
}));

async function bundleErrors(options: Parameters<typeof build>[0]): Promise<string[]> {
  try {
    const result = await build({
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      ...options,
    });
    expect(result.outputFiles?.[0]?.contents.length ?? 0).toBeGreaterThan(10);
    return [];
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string } }[] }).errors;
    if (!errors) throw error;
    return errors.map((e) => `${e.location?.file ?? ''}: ${e.text}`);
  }
}

describe('every package main entry bundles for the browser without Node built-ins', () => {
  it.each(ENTRIES)('$name', async ({ file }) => {
    expect(await bundleErrors({ entryPoints: [file] })).toEqual([]);
  });

  it('importing the engine (@fmnist/core, @fmnist/nn) does not load gpu.js', async () => {
    for (const name of ['core', 'nn']) {
      const result = await build({
        entryPoints: [`${root}packages/${name}/src/index.ts`],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        write: false,
        logLevel: 'silent',
        metafile: true,
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(
        inputs.some((path) => path.includes('/gpu.js/')),
        name,
      ).toBe(false);
      expect(inputs.length, name).toBeGreaterThan(3);
    }
    // ...while the gpu.js entry does: the check can tell.
    const gpujs = await build({
      entryPoints: [`${root}packages/core/src/gpujs/index.ts`],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      metafile: true,
      external: ['gl'],
    });
    expect(Object.keys(gpujs.metafile.inputs).some((path) => path.includes('/gpu.js/'))).toBe(true);
  });

  it('a Node built-in does fail the bundle (the check can fail)', async () => {
    const errors = await bundleErrors({
      stdin: { contents: "import { readFileSync } from 'node:fs'; console.log(readFileSync);" },
    });
    expect(errors.join('\n')).toMatch(/node:fs/);
  });
});
