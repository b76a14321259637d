import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { GpuJsBackend, gpuJsModeAvailability } from '../src/gpujs/backend.js';
import { columnBlocksFor, matmulKernelSource } from '../src/gpujs/kernel-source.js';
import { JsBackend } from '../src/js-backend.js';
import { firstMismatch, matmulMagnitudes, randomArray } from './helpers.js';

// The benchmark compares kernel shapes; each must compute the same product, or its figure
// means nothing. Checked on webasm and cpu (headlessgl runs the default shape in kernels.prop).
const variants = [
  {
    label: 'rows 1, flat reads, nested result',
    shape: { rowsPerThread: 1, unroll: 1, reads: 'flat' },
    flat: false,
  },
  { label: 'rows 2, unroll 3 (with a tail)', shape: { rowsPerThread: 2, unroll: 3 }, flat: true },
  {
    label: 'rows 2, flat reads, unroll 3 (with a tail)',
    shape: { rowsPerThread: 2, unroll: 3, reads: 'flat' },
    flat: true,
  },
  { label: 'rows 4, unroll 4, nested result', shape: { rowsPerThread: 4, unroll: 4 }, flat: false },
  { label: 'rows 4, unroll 1', shape: { rowsPerThread: 4, unroll: 1 }, flat: true },
  { label: 'rows 4, one column block', shape: { columnBlocks: 1 }, flat: true },
  // The default: where n is a multiple of 8 and m of 4, two column blocks per thread (sizes
  // drawn so that it always applies on webasm; cpu mode runs one block).
  { label: 'rows 4, two column blocks (the default)', shape: {}, flat: true, twoBlocks: true },
  {
    label: 'two column blocks unrolled 3 (with a tail)',
    shape: { blockUnroll: 3 },
    flat: true,
    twoBlocks: true,
  },
  // n not a multiple of 4: on webasm the kernel runs n rounded up to a multiple of 4 (30 -> 32
  // takes two blocks), b and the bias padded, the padding columns dropped from the result.
  { label: 'padded columns (the default shape)', shape: {}, flat: true, padded: true },
] as const;

for (const mode of ['webasm', 'cpu'] as const) {
  const { available, reason } = gpuJsModeAvailability(mode);
  if (!available) {
    it.skip(`gpujs:${mode}: unavailable (${reason})`, () => {});
    continue;
  }
  describe(`gpujs:${mode} kernel-shape variants equal the js reference`, () => {
    const reference = new JsBackend();
    for (const v of variants) {
      const backend = new GpuJsBackend({ mode, matmulShape: v.shape, flatResult: v.flat });
      afterAll(() => backend.dispose());
      it(v.label, () => {
        fc.assert(
          fc.property(
            'twoBlocks' in v
              ? fc.constantFrom(4, 8, 32)
              : 'padded' in v
                ? fc.constantFrom(2, 4, 6, 32, 64)
                : fc.constantFrom(1, 3, 4, 8, 17, 32),
            fc.constantFrom(1, 2, 7, 32, 65),
            'twoBlocks' in v
              ? fc.constantFrom(8, 16, 24, 64)
              : 'padded' in v
                ? fc.constantFrom(1, 2, 3, 5, 6, 7, 9, 10, 11, 30)
                : fc.constantFrom(1, 3, 10, 33),
            fc.boolean(),
            fc.boolean(),
            fc.nat(),
            (m, k, n, transposeA, transposeB, seed) => {
              const a = randomArray(m * k, seed);
              const b = randomArray(k * n, seed + 1);
              const bias = randomArray(n, seed + 2);
              const want = new Float32Array(m * n);
              const got = new Float32Array(m * n).fill(Number.NaN);
              const options = { transposeA, transposeB, bias, activation: 'relu' as const };
              reference.matmul(a, b, want, m, k, n, options);
              backend.matmul(a, b, got, m, k, n, options);
              const mags = matmulMagnitudes(a, b, m, k, n, transposeA, transposeB, bias);
              expect(firstMismatch(got, want, k, mags)).toBe(-1);
            },
          ),
          { numRuns: 10 },
        );
      });
    }
  });
}

describe('gpujs:webasm direct module runs', () => {
  const { available, reason } = gpuJsModeAvailability('webasm');
  it.skipIf(!available)(
    `repeated calls of one kernel (driven directly after the first) equal the js reference${available ? '' : ` (skipped: ${reason})`}`,
    () => {
      const reference = new JsBackend();
      const direct = new GpuJsBackend({ mode: 'webasm' });
      const wrapped = new GpuJsBackend({ mode: 'webasm', directRun: false });
      for (const [m, k, n] of [
        [32, 65, 12],
        [8, 9, 16],
        [4, 8, 24], // k and n multiples of 4: a transposed b goes through the WebAssembly transpose
        [8, 7, 33],
        [3, 5, 4],
        [32, 64, 10], // padded columns: the study's last layer and its weight gradient
        [64, 32, 10],
        [8, 6, 30], // padded to 32, two column blocks
        [6, 4, 7], // padded, two rows per thread
      ] as const) {
        for (const transposeA of [false, true]) {
          for (const transposeB of [false, true]) {
            // Same kernel (same shape and options), new data each call: calls 2 and 3 run direct.
            for (let call = 0; call < 6; call++) {
              const fused = call < 3;
              const seed = 100 * m + 10 * call + (transposeA ? 2 : 0) + (transposeB ? 1 : 0);
              const a = randomArray(m * k, seed);
              const b = randomArray(k * n, seed + 1);
              const bias = fused ? randomArray(n, seed + 2) : undefined;
              const options = {
                transposeA,
                transposeB,
                bias,
                activation: fused ? ('relu' as const) : undefined,
              };
              const want = new Float32Array(m * n);
              reference.matmul(a, b, want, m, k, n, options);
              const mags = matmulMagnitudes(a, b, m, k, n, transposeA, transposeB, bias);
              for (const backend of [direct, wrapped]) {
                const got = new Float32Array(m * n).fill(Number.NaN);
                backend.matmul(a, b, got, m, k, n, options);
                expect(firstMismatch(got, want, k, mags)).toBe(-1);
              }
            }
          }
        }
      }
      // Every kernel of `direct` (padded ones too) was driven directly after its first call.
      expect(direct.directKernelCount).toBe(direct.compiledKernelCount);
      expect(wrapped.directKernelCount).toBe(0);
      direct.dispose();
      wrapped.dispose();
    },
  );
});

describe('matmulKernelSource', () => {
  it('bakes sizes in as literals and fuses bias and ReLU', () => {
    const source = matmulKernelSource(
      32,
      392,
      128,
      { transposeA: false, transposeB: false, bias: true, activation: 'relu' },
      { rowsPerThread: 4, unroll: 2, reads: '2d', columnBlocks: 1, blockUnroll: 1 },
    );
    expect(source).toContain('i < 392; i += 2');
    expect(source).toContain('a[this.thread.y][3][i + 1]');
    expect(source).toContain('const bx = bias[this.thread.x];');
    expect(source).toContain('return [Math.max(s0 + bx, 0.0), Math.max(s1 + bx, 0.0),');
  });

  it('writes the two-block kernel: columns x and x + n/2 of four rows, as Array(8)', () => {
    const source = matmulKernelSource(
      32,
      392,
      128,
      { transposeA: false, transposeB: false, bias: true, activation: 'relu' },
      { rowsPerThread: 4, unroll: 2, reads: '2d', columnBlocks: 2, blockUnroll: 1 },
    );
    expect(source).toContain('for (let i = 0; i < 392; i += 1)');
    expect(source).toContain('b0 = b[i][0][this.thread.x]; b1 = b[i][1][this.thread.x];');
    expect(source).toContain('av = a[this.thread.y][3][i]; s30 += av * b0; s31 += av * b1;');
    expect(source).toContain(
      'const bx0 = bias[0][this.thread.x]; const bx1 = bias[1][this.thread.x];',
    );
    expect(source).toContain('return [Math.max(s00 + bx0, 0.0), Math.max(s01 + bx1, 0.0),');
  });

  it('uses two column blocks only where the result is Array(8) rows of whole quads', () => {
    const shape = {
      rowsPerThread: 4,
      unroll: 2,
      reads: '2d',
      columnBlocks: 2,
      blockUnroll: 1,
    } as const;
    expect(columnBlocksFor(shape, 4, 128, true)).toBe(2);
    expect(columnBlocksFor(shape, 4, 10, true)).toBe(1); // n not a multiple of 8
    expect(columnBlocksFor(shape, 4, 12, true)).toBe(1); // n/2 = 6: not whole quads
    expect(columnBlocksFor(shape, 2, 128, true)).toBe(1); // 2 rows (m not a multiple of 4)
    expect(columnBlocksFor(shape, 4, 128, false)).toBe(1); // nested result (cpu, GL)
    expect(columnBlocksFor({ ...shape, columnBlocks: 1 }, 4, 128, true)).toBe(1);
    expect(columnBlocksFor({ ...shape, reads: 'flat' }, 4, 128, true)).toBe(1);
  });

  it('fuses sigmoid and tanh in forms that stay finite where e^z overflows', () => {
    const shape = {
      rowsPerThread: 1,
      unroll: 1,
      reads: '2d',
      columnBlocks: 1,
      blockUnroll: 1,
    } as const;
    const forms = { transposeA: false, transposeB: false, bias: false };
    const sigmoid = matmulKernelSource(2, 3, 4, { ...forms, activation: 'sigmoid' }, shape);
    const tanh = matmulKernelSource(2, 3, 4, { ...forms, activation: 'tanh' }, shape);
    expect(sigmoid).toContain('return (1.0 / (1.0 + Math.exp(-(s0))))');
    expect(tanh).toContain('return (1.0 - 2.0 / (Math.exp(2.0 * (s0)) + 1.0))');
  });
});

describe('GpuJsBackend kernel cache and lifetime', () => {
  it('keeps at most kernelCacheSize kernels, still computes after eviction, and disposes once', () => {
    const backend = new GpuJsBackend({ mode: 'cpu', kernelCacheSize: 2 });
    const reference = new JsBackend();
    for (const k of [1, 2, 3, 1]) {
      const a = randomArray(4 * k, k);
      const b = randomArray(k * 4, k + 1);
      const got = new Float32Array(16);
      const want = new Float32Array(16);
      backend.matmul(a, b, got, 4, k, 4);
      reference.matmul(a, b, want, 4, k, 4);
      expect(firstMismatch(got, want, k, matmulMagnitudes(a, b, 4, k, 4, false, false))).toBe(-1);
      expect(backend.compiledKernelCount).toBeLessThanOrEqual(2);
    }
    backend.dispose();
    backend.dispose();
    expect(() =>
      backend.matmul(new Float32Array(1), new Float32Array(1), new Float32Array(1), 1, 1, 1),
    ).toThrow(/disposed/);
  });

  it('rejects arrays whose sizes disagree with m, k, n', () => {
    const backend = new GpuJsBackend({ mode: 'cpu' });
    expect(() =>
      backend.matmul(new Float32Array(5), new Float32Array(6), new Float32Array(4), 2, 3, 2),
    ).toThrow(/a has 5 values, expected m\*k = 6\./);
    backend.dispose();
  });
});
