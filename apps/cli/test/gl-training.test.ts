/**
 * gpu.js's headlessgl mode trains the study through the CLI, two models side by side: the `gl`
 * addon loads once per process, so GL training runs in child processes (runtime/host.ts), not
 * worker threads (where the second worker could not load it). CI runs the tests under
 * `xvfb-run`, so there it must run; elsewhere without a display it is skipped, by name.
 */
import { existsSync } from 'node:fs';
import { gpuJsModeAvailability } from '@fmnist/core/gpujs';
import { describe, expect, it } from 'vitest';
import { isolationFor } from '../src/runtime/host.js';
import { fmnist } from './helpers.js';

const realData = existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
const gl = gpuJsModeAvailability('headlessgl');
const GL = { FMNIST_BACKEND: 'gpujs:headlessgl' };
const QUICK = ['--limit', '100', '--epochs', '1', '--json'];

describe('training isolation', () => {
  it('child processes for the GL modes, worker threads otherwise', () => {
    expect(isolationFor(GL)).toBe('process');
    expect(isolationFor({ FMNIST_BACKEND: 'gpujs:webasm' })).toBe('thread');
    expect(isolationFor({})).toBe('thread');
  });
});

const runnable = realData && (gl.available || !!process.env.CI);
describe.skipIf(!runnable)(
  `the study on gpujs:headlessgl through the CLI${runnable ? '' : ` (skipped: ${realData ? gl.reason : 'no Fashion-MNIST in /usr/share/datasets'})`}`,
  () => {
    it('part1 --seeds 2 trains every model on headlessgl, two child processes side by side', async () => {
      const run = await fmnist(['part1', '--seeds', '2', ...QUICK, '--out', 'gl'], GL);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/2 workers side by side/);
      const doc = JSON.parse(run.stdout);
      const backends = [doc.run.backend, ...doc.models.map((m: { backend: string }) => m.backend)];
      expect(new Set(backends)).toEqual(new Set(['gpujs:headlessgl']));
      expect(doc.seeds.seeds).toHaveLength(2);
    });

    it('part2 trains its four models on headlessgl, two at a time', async () => {
      const run = await fmnist(['part2', ...QUICK, '--out', 'gl2'], GL);
      expect(run.code, run.stderr).toBe(0);
      const doc = JSON.parse(run.stdout);
      expect(doc.run.backend).toBe('gpujs:headlessgl');
      expect(doc.run.lanes).toBe(2);
      expect(doc.models.map((m: { backend: string }) => m.backend)).toEqual(
        Array(4).fill('gpujs:headlessgl'),
      );
    });
  },
);
