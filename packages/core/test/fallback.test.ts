/**
 * gpu.js falls back to its CPU translation with only a console.warn when a mode cannot build a
 * kernel. The backend reads the mode off each kernel after its first call and refuses one that
 * fell back, so `gpujs:webasm` or `gpujs:headlessgl` can never quietly be `gpujs:cpu`.
 */
import { GPU, type IKernelRunShortcut } from 'gpu.js';

declare function double(v: number): number;

import { describe, expect, it, vi } from 'vitest';
import {
  assertKernelMode,
  GpuJsBackend,
  GpuJsFallbackError,
  gpuJsModeAvailability,
  kernelMode,
} from '../src/gpujs/backend.js';

describe('gpu.js fallback detection', () => {
  it('sees a real fallback: a kernel map in webasm mode runs on gpu.js cpu', () => {
    const gpu = new GPU({ mode: 'webasm' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      // webasm has no kernel maps, so gpu.js swaps in a CPUKernel on the first call.
      const mapped = gpu.createKernelMap(
        {
          doubled: function double(v: number) {
            return v * 2;
          },
        },
        function (this: { thread: { x: number } }) {
          return double(this.thread.x) + 1;
        },
        { output: [4] },
      );
      const plain = gpu.createKernel(
        function (this: { thread: { x: number } }) {
          return this.thread.x * 2;
        },
        { output: [4] },
      );
      const result = mapped() as unknown as { result: Float32Array };
      expect(Array.from(result.result)).toEqual([1, 3, 5, 7]);
      plain();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/Falling back to CPU/));
      expect(kernelMode(mapped as unknown as IKernelRunShortcut)).toBe('cpu');
      expect(kernelMode(plain)).toBe('webasm');
      expect(() => assertKernelMode(plain, 'webasm', 'plain')).not.toThrow();
      let caught: unknown;
      try {
        assertKernelMode(mapped as unknown as IKernelRunShortcut, 'webasm', 'the test kernel');
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(GpuJsFallbackError);
      expect((caught as Error).message).toMatch(
        /^gpu\.js ran the test kernel in 'cpu' mode, not the 'webasm' mode asked for \(gpu\.js fell back: kernel maps are not supported on the webasm backend\)\./,
      );
    } finally {
      warn.mockRestore();
      void gpu.destroy().catch(() => undefined);
    }
  });

  for (const mode of ['webasm', 'cpu', 'headlessgl'] as const) {
    const { available, reason } = gpuJsModeAvailability(mode);
    it.skipIf(!available)(
      `every matmul kernel of gpujs:${mode} runs in ${mode} mode${available ? '' : ` (skipped: ${reason})`}`,
      () => {
        const backend = new GpuJsBackend({ mode });
        try {
          const a = Float32Array.from({ length: 6 }, (_, i) => i);
          const out = new Float32Array(4);
          backend.matmul(a, a, out, 2, 3, 2, { transposeB: true });
          backend.matmul(a, a, out, 2, 3, 2, { transposeB: true });
          backend.matmul(a, a, new Float32Array(9), 3, 2, 3, { transposeA: true });
          expect(Array.from(out)).toEqual([5, 14, 14, 50]);
          expect(backend.kernelModes()).toEqual([mode, mode]);
        } finally {
          backend.dispose();
        }
      },
    );
  }
});
