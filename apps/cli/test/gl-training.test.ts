/**
 * gpu.js's GL modes train the study through the CLI, two models side by side: gpujs:headlessgl
 * (every product uploaded and read back) and gpujs:gl (device-resident). The `gl` addon loads
 * once per process, so GL training runs in child processes (runtime/host.ts), not worker
 * threads (where the second worker could not load it). CI runs the tests under `xvfb-run`, so
 * there they must run; elsewhere without a display they are skipped, by name.
 */
import { existsSync } from 'node:fs';
import { gpuJsModeAvailability } from '@fmnist/core/gpujs';
import { describe, expect, it } from 'vitest';
import { isolationFor } from '../src/runtime/host.js';
import { fmnist } from './helpers.js';

const realData = existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
const gl = gpuJsModeAvailability('headlessgl');
const GL = { FMNIST_BACKEND: 'gpujs:headlessgl' };
const GL_BACKENDS = ['gpujs:headlessgl', 'gpujs:gl'] as const;
const QUICK = ['--limit', '100', '--epochs', '1', '--json'];

describe('training isolation', () => {
  it('child processes for the GL modes, worker threads otherwise', () => {
    expect(isolationFor(GL.FMNIST_BACKEND)).toBe('process');
    expect(isolationFor('gpujs:gl')).toBe('process');
    // auto left to the workers might pick gpujs:gl (the commands resolve it before, by name).
    expect(isolationFor('auto')).toBe('process');
    expect(isolationFor('gpujs:webasm')).toBe('thread');
    expect(isolationFor(undefined)).toBe('thread');
  });
});

const runnable = realData && (gl.available || !!process.env.CI);
for (const backend of GL_BACKENDS) {
  const env = { FMNIST_BACKEND: backend };
  describe.skipIf(!runnable)(
    `the study on ${backend} through the CLI${runnable ? '' : ` (skipped: ${realData ? gl.reason : 'no Fashion-MNIST in /usr/share/datasets'})`}`,
    () => {
      it(`part1 --seeds 2 trains every model on ${backend}, two child processes side by side`, async () => {
        const run = await fmnist(
          ['part1', '--seeds', '2', ...QUICK, '--out', `gl-${backend}`],
          env,
        );
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr).toMatch(/2 workers side by side/);
        const doc = JSON.parse(run.stdout);
        const backends = [
          doc.run.backend,
          ...doc.models.map((m: { backend: string }) => m.backend),
        ];
        expect(new Set(backends)).toEqual(new Set([backend]));
        expect(doc.seeds.seeds).toHaveLength(2);
      });

      it(`part2 trains its four models on ${backend}, two at a time`, async () => {
        const run = await fmnist(['part2', ...QUICK, '--out', `gl2-${backend}`], env);
        expect(run.code, run.stderr).toBe(0);
        const doc = JSON.parse(run.stdout);
        expect(doc.run.backend).toBe(backend);
        expect(doc.run.lanes).toBe(2);
        expect(doc.models.map((m: { backend: string }) => m.backend)).toEqual(
          Array(4).fill(backend),
        );
      });
    },
  );
}

describe.skipIf(!runnable)(
  `the whole study on gpujs:gl through the CLI${runnable ? '' : ` (skipped: ${realData ? gl.reason : 'no Fashion-MNIST in /usr/share/datasets'})`}`,
  () => {
    it('study trains all six models on gpujs:gl and names it in the results', async () => {
      const run = await fmnist(['study', ...QUICK, '--out', 'gl-study'], {
        FMNIST_BACKEND: 'gpujs:gl',
      });
      expect(run.code, run.stderr).toBe(0);
      const doc = JSON.parse(run.stdout);
      expect(doc.run.backend).toBe('gpujs:gl');
      const models = [...doc.part1.models, ...doc.part2.models];
      expect(models.map((m: { backend: string }) => m.backend)).toEqual(Array(6).fill('gpujs:gl'));
    });
  },
);
