import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, FusedActivation, MatmulOptions } from '../src/backend.js';
import { JsBackend } from '../src/js-backend.js';
import {
  backendCases,
  firstMismatch,
  matmulMagnitudes,
  randomArray,
  withinTolerance,
} from './helpers.js';

const reference = new JsBackend();

/** The study's sizes plus odd ones that break any assumption of a multiple of 4. */
const SIZES = [1, 3, 10, 17, 32, 33, 64, 128, 392] as const;
const size = fc.constantFrom(...SIZES);
const smallSize = fc.constantFrom(1, 2, 3, 5, 17, 32, 33);
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const flags = fc.record({
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  bias: fc.boolean(),
  activation: fc.constantFrom(undefined, 'relu', 'sigmoid', 'tanh'),
});

/** The three products backprop needs at the study's batch-32 shapes, each with and without bias+ReLU. */
const STUDY_CASES: [number, number, number, MatmulOptions['transposeA'], boolean][] = [];
for (const [m, k, n] of [
  [32, 392, 128],
  [32, 128, 64],
  [32, 64, 10],
] as const) {
  STUDY_CASES.push([m, k, n, false, false]); // forward: X·W
  STUDY_CASES.push([k, m, n, true, false]); // weight gradient: Xᵀ·dZ (k×m stored m×k)
  STUDY_CASES.push([m, n, k, false, true]); // input gradient: dZ·Wᵀ
}

function checkMatmul(
  backend: Backend,
  m: number,
  k: number,
  n: number,
  f: {
    transposeA: boolean;
    transposeB: boolean;
    bias: boolean;
    activation?: FusedActivation | undefined;
  },
  s: number,
): void {
  const a = randomArray(m * k, s);
  const b = randomArray(k * n, s + 1);
  const bias = f.bias ? randomArray(n, s + 2) : undefined;
  const { activation, ...forms } = f;
  const options: MatmulOptions = { ...forms, bias, ...(activation ? { activation } : {}) };
  const want = new Float32Array(m * n);
  const got = new Float32Array(m * n).fill(Number.NaN); // every cell must be written
  reference.matmul(a, b, want, m, k, n, options);
  backend.matmul(a, b, got, m, k, n, options);
  backend.read(got); // a device-resident backend's result stays on the device until read
  const product = matmulMagnitudes(a, b, m, k, n, f.transposeA, f.transposeB, bias);
  // sigmoid and tanh shrink the product's error (slopes at most 1) and add their own rounding
  // on a value of at most 1: a few units of roundoff, absolute.
  const smooth = activation === 'sigmoid' || activation === 'tanh';
  const mags = smooth ? product.map((v) => v + 8 / (k + 2)) : product;
  const bad = firstMismatch(got, want, k, mags);
  expect(
    bad,
    bad < 0
      ? ''
      : `${backend.name} matmul ${m}x${k}x${n} ${JSON.stringify(f)} at [${Math.floor(bad / n)}, ${bad % n}]: got ${got[bad]}, want ${want[bad]}`,
  ).toBe(-1);
}

for (const c of backendCases()) {
  if (!c.create) {
    describe(c.name, () => {
      it.skip(`${c.name}: unavailable (${c.unavailable})`, () => {});
    });
    continue;
  }
  describe(`${c.name} kernels equal the js reference within the stated tolerance`, () => {
    const backend = c.create!();
    afterAll(() => backend.dispose());

    it('matmul at the study shapes, all three forms, with and without bias+ReLU', () => {
      for (const [m, k, n, transposeA, transposeB] of STUDY_CASES) {
        for (const fused of [false, true]) {
          checkMatmul(
            backend,
            m,
            k,
            n,
            {
              transposeA: transposeA ?? false,
              transposeB,
              bias: fused,
              ...(fused ? { activation: 'relu' as const } : {}),
            },
            m * 1000 + k,
          );
        }
      }
    });

    it('matmul, every form and option, on odd and study sizes (property)', () => {
      fc.assert(
        fc.property(smallSize, size, smallSize, flags, seed, (m, k, n, f, s) => {
          checkMatmul(backend, m, k, n, f, s);
        }),
        { numRuns: c.runs },
      );
    });

    it('matmul bias alone and each activation alone, each form (1x3x17, 33x17x3)', () => {
      for (const [m, k, n] of [
        [1, 3, 17],
        [33, 17, 3],
      ] as const) {
        for (const transposeA of [false, true]) {
          for (const transposeB of [false, true]) {
            if (transposeA && transposeB) continue;
            checkMatmul(backend, m, k, n, { transposeA, transposeB, bias: true }, 7);
            for (const activation of ['relu', 'sigmoid', 'tanh'] as const) {
              checkMatmul(backend, m, k, n, { transposeA, transposeB, bias: false, activation }, 8);
            }
          }
        }
      }
    });

    it('sigmoid and tanh saturate without NaN where e^z overflows float32 (|z| up to 400)', () => {
      const a = Float32Array.from([1, -1, 100, -100, 400, -400, 0.5, -0.5]); // 8x1
      const b = Float32Array.from([1]); // 1x1
      for (const activation of ['sigmoid', 'tanh'] as const) {
        const got = new Float32Array(8);
        const want = new Float32Array(8);
        backend.matmul(a, b, got, 8, 1, 1, { activation });
        reference.matmul(a, b, want, 8, 1, 1, { activation });
        backend.read(got);
        for (let i = 0; i < 8; i++) {
          expect(Number.isFinite(got[i]), `${activation}(${a[i]}) = ${got[i]}`).toBe(true);
          expect(Math.abs(got[i]! - want[i]!), `${activation}(${a[i]})`).toBeLessThan(4e-7);
        }
      }
    });

    it('matmul reuses its compiled kernel for a repeated shape, and writes into out', () => {
      const a = randomArray(32 * 64, 1);
      const b = randomArray(64 * 10, 2);
      const out = new Float32Array(320);
      backend.matmul(a, b, out, 32, 64, 10);
      const first = backend.read(out).slice();
      const count = (backend as { compiledKernelCount?: number }).compiledKernelCount;
      backend.matmul(a, b, out, 32, 64, 10);
      expect(backend.read(out)).toEqual(first);
      expect((backend as { compiledKernelCount?: number }).compiledKernelCount).toBe(count);
    });

    it('matmul accepts Float64Array inputs and output, also after float32 on the same shape', () => {
      const a32 = randomArray(3 * 17, 3);
      const b32 = randomArray(17 * 5, 4);
      backend.matmul(a32, b32, new Float32Array(15), 3, 17, 5, { activation: 'relu' });
      const a = Float64Array.from(a32);
      const b = Float64Array.from(b32);
      const got = new Float64Array(15);
      const want = new Float64Array(15);
      backend.matmul(a, b, got, 3, 17, 5, { activation: 'relu' });
      backend.read(got);
      reference.matmul(a, b, want, 3, 17, 5, { activation: 'relu' });
      const mags = matmulMagnitudes(a, b, 3, 17, 5, false, false);
      // float32 kernels round the float64 inputs first: one more rounding per operand.
      expect(firstMismatch(got, want, 17 + 2, mags)).toBe(-1);
    });
  });
}

/**
 * Elementwise ops and reductions are not gpu.js kernels on the host backends (GpuJsBackend runs
 * the js loops for them, see its doc comment), so comparing those would compare js with js.
 * They are checked here, on the js backend, against the definitions written out in float64
 * (the backend computes in float32: one rounding per op, cols + 4 for softmax); the
 * device-resident gpujs:gl, whose every op is a kernel, is checked against js in
 * resident.prop.test.ts.
 */
describe('js elementwise ops and reductions equal their definitions (property)', () => {
  const backend = new JsBackend();
  const lengths = fc.constantFrom(1, 3, 17, 33, 32 * 10, 32 * 128);
  it('mul is x·y; activationBackward is dy·[y > 0] (relu), dy·y·(1 − y) (sigmoid), dy·(1 − y²) (tanh)', () => {
    fc.assert(
      fc.property(lengths, seed, (len, s) => {
        const x = randomArray(len, s);
        const y = randomArray(len, s + 1);
        const got = new Float32Array(len);
        backend.mul(x, y, got);
        for (let i = 0; i < len; i++) {
          const want = x[i]! * y[i]!;
          if (!withinTolerance(got[i]!, want, 1, Math.abs(want))) {
            expect.fail(`mul[${i}]: got ${got[i]}, want ${want}`);
          }
        }
        backend.activationBackward('relu', x, y, got);
        for (let i = 0; i < len; i++) expect(got[i]).toBe(y[i]! > 0 ? x[i] : 0);
        // y as sigmoid and tanh give it: in (0, 1) and (−1, 1).
        const ys = y.map((v) => 1 / (1 + Math.exp(-4 * v)));
        const yt = y.map((v) => Math.tanh(2 * v));
        for (const [activation, out, slope] of [
          ['sigmoid', ys, (v: number) => v * (1 - v)],
          ['tanh', yt, (v: number) => 1 - v * v],
        ] as const) {
          backend.activationBackward(activation, x, out, got);
          for (let i = 0; i < len; i++) {
            const want = x[i]! * slope(out[i]!);
            if (!withinTolerance(got[i]!, want, 3, Math.abs(x[i]!))) {
              expect.fail(`${activation}Backward[${i}]: got ${got[i]}, want ${want}`);
            }
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('softmax is exp(z − max) / Σ exp(z − max) by row; sumRows sums each column', () => {
    fc.assert(
      fc.property(smallSize, fc.constantFrom(1, 3, 10, 17, 33), seed, (rows, cols, s) => {
        const x = randomArray(rows * cols, s).map((v) => v * 20); // wide logits
        const got = new Float32Array(rows * cols);
        backend.softmaxRows(x, got, rows, cols);
        for (let r = 0; r < rows; r++) {
          const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
          const max = Math.max(...row);
          const e = row.map((v) => Math.exp(v - max));
          const total = e.reduce((p, q) => p + q, 0);
          for (let c = 0; c < cols; c++) {
            const want = e[c]! / total;
            if (!withinTolerance(got[r * cols + c]!, want, cols * 4, 1)) {
              expect.fail(`softmax[${r}, ${c}]: got ${got[r * cols + c]}, want ${want}`);
            }
          }
        }
        const sums = new Float32Array(cols);
        backend.sumRows(x, sums, rows, cols);
        for (let c = 0; c < cols; c++) {
          let want = 0;
          let mag = 0;
          for (let r = 0; r < rows; r++) {
            want += x[r * cols + c]!;
            mag += Math.abs(x[r * cols + c]!);
          }
          if (!withinTolerance(sums[c]!, want, rows, mag)) {
            expect.fail(`sumRows[${c}]: got ${sums[c]}, want ${want}`);
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('js optimizer updates follow Keras 3 step by step (float64, by hand)', () => {
  const backend = new JsBackend();
  it('SGD momentum 0.9: v = 0.9 v − lr g; w += v, or w += 0.9 v − lr g with Nesterov', () => {
    for (const nesterov of [false, true]) {
      const value = Float64Array.from([1, -2]);
      const velocity = new Float64Array(2);
      const g1 = Float64Array.from([0.5, -1]);
      backend.momentumUpdate({
        value,
        grad: g1,
        velocity,
        learningRate: 0.1,
        momentum: 0.9,
        nesterov,
      });
      // v1 = −0.1 g1 = [−0.05, 0.1]
      expect(Array.from(velocity)).toEqual([-0.05, 0.1]);
      expect(value[0]).toBeCloseTo(nesterov ? 1 + 0.9 * -0.05 - 0.05 : 1 - 0.05, 15);
      const g2 = Float64Array.from([1, 1]);
      const before = value[1]!;
      backend.momentumUpdate({
        value,
        grad: g2,
        velocity,
        learningRate: 0.1,
        momentum: 0.9,
        nesterov,
      });
      // v2 = 0.9·0.1 − 0.1·1 = −0.01
      expect(velocity[1]).toBeCloseTo(-0.01, 15);
      expect(value[1]).toBeCloseTo(before + (nesterov ? 0.9 * -0.01 - 0.1 : -0.01), 15);
    }
  });
  it('RMSprop: ms = ρ ms + (1 − ρ) g²; w −= lr g / sqrt(ms + ε); centered subtracts mg² inside; momentum accumulates the increment', () => {
    const g = 2;
    for (const centered of [false, true]) {
      for (const momentum of [0, 0.5]) {
        const value = Float64Array.from([1]);
        const meanSquare = new Float64Array(1);
        const meanGradient = centered ? new Float64Array(1) : null;
        const velocity = momentum > 0 ? new Float64Array(1) : null;
        const args = { learningRate: 0.01, rho: 0.8, momentum, epsilon: 1e-7 };
        backend.rmspropUpdate({
          value,
          grad: Float64Array.from([g]),
          meanSquare,
          meanGradient,
          velocity,
          ...args,
        });
        const ms = 0.2 * g * g; // 0.8
        const mg = 0.2 * g; // 0.4
        const increment = (0.01 * g) / Math.sqrt(centered ? ms - mg * mg + 1e-7 : ms + 1e-7);
        expect(meanSquare[0]).toBeCloseTo(ms, 15);
        if (meanGradient) expect(meanGradient[0]).toBeCloseTo(mg, 15);
        expect(value[0]).toBeCloseTo(1 - increment, 14);
        // A second step: the momentum buffer carries half the first increment.
        backend.rmspropUpdate({
          value,
          grad: Float64Array.from([g]),
          meanSquare,
          meanGradient,
          velocity,
          ...args,
        });
        const ms2 = 0.8 * ms + 0.2 * g * g;
        const mg2 = 0.8 * mg + 0.2 * g;
        const increment2 = (0.01 * g) / Math.sqrt(centered ? ms2 - mg2 * mg2 + 1e-7 : ms2 + 1e-7);
        const step2 = momentum > 0 ? momentum * increment + increment2 : increment2;
        expect(value[0]).toBeCloseTo(1 - increment - step2, 14);
      }
    }
  });
});

describe('js reference, checked by hand', () => {
  it('matmul 2x3 · 3x2, with bias and ReLU, in all three forms', () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6]); // 2x3
    const b = Float64Array.from([1, -1, 0, 2, -2, 0.5]); // 3x2
    const out = new Float64Array(4);
    reference.matmul(a, b, out, 2, 3, 2);
    expect(Array.from(out)).toEqual([-5, 4.5, -8, 9]);
    reference.matmul(a, b, out, 2, 3, 2, { bias: Float64Array.from([6, -5]), activation: 'relu' });
    expect(Array.from(out)).toEqual([1, 0, 0, 4]);
    // z = [1, -0.5, -2, 4] after the bias: sigmoid and tanh of each, by their definitions.
    const z = [1, -0.5, -2, 4];
    reference.matmul(a, b, out, 2, 3, 2, {
      bias: Float64Array.from([6, -5]),
      activation: 'sigmoid',
    });
    expect(Array.from(out)).toEqual(z.map((v) => 1 / (1 + Math.exp(-v))));
    reference.matmul(a, b, out, 2, 3, 2, { bias: Float64Array.from([6, -5]), activation: 'tanh' });
    const tanh = z.map((v) => (Math.exp(v) - Math.exp(-v)) / (Math.exp(v) + Math.exp(-v)));
    for (const [i, v] of out.entries()) expect(v).toBeCloseTo(tanh[i]!, 14);
    // aᵀ stored 3x2, bᵀ stored 2x3: the same product.
    const at = Float64Array.from([1, 4, 2, 5, 3, 6]);
    const bt = Float64Array.from([1, 0, -2, -1, 2, 0.5]);
    reference.matmul(at, b, out, 2, 3, 2, { transposeA: true });
    expect(Array.from(out)).toEqual([-5, 4.5, -8, 9]);
    reference.matmul(a, bt, out, 2, 3, 2, { transposeB: true });
    expect(Array.from(out)).toEqual([-5, 4.5, -8, 9]);
  });

  it('softmax rows sum to 1 and survive huge logits', () => {
    const x = Float64Array.from([1000, 1001, 1002, -5, 0, 5]);
    const p = new Float64Array(6);
    reference.softmaxRows(x, p, 2, 3);
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 12);
    expect(p[3]! + p[4]! + p[5]!).toBeCloseTo(1, 12);
    // exp(z − max) / Σ exp(z − max), by hand for the second row.
    const e = [Math.exp(-10), Math.exp(-5), 1];
    const sum = e[0]! + e[1]! + e[2]!;
    for (let i = 0; i < 3; i++) expect(p[3 + i]).toBeCloseTo(e[i]! / sum, 12);
  });
});
