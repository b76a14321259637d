/**
 * gpujs:gl, the device-resident backend: every op is a gpu.js kernel on 32-bit float textures,
 * so each is compared with the js reference on the same float32 inputs, on the study's shapes
 * and odd ones, and the residency rules (read / write / release, views, texture counts) are
 * checked as such. Needs a GL context: CI runs the tests under xvfb-run; elsewhere each test
 * is skipped with the reason in its name.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, FloatArray } from '../src/backend.js';
import { GpuJsGlBackend, glModeAvailability } from '../src/gpujs/resident.js';
import { JsBackend } from '../src/js-backend.js';
import { randomArray } from './helpers.js';

const js = new JsBackend();
const gl = glModeAvailability('headlessgl');
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const rowsArb = fc.constantFrom(1, 3, 7, 32, 33);
const colsArb = fc.constantFrom(1, 3, 10, 17, 64, 128);
const RUNS = 5;

/**
 * The tolerance: GL computes in float32 with its own exp, log and sqrt (not correctly rounded;
 * GLSL ES allows ~3 ulp for exp), summing n terms in some order. |got − want| may be up to
 * n · 2^-21 · magnitude, magnitude being the sum of the terms' absolute values (1 for an
 * elementwise op's own value), plus 1e-30 so exact zeros compare.
 */
function close(got: number, want: number, terms: number, magnitude: number): boolean {
  return Math.abs(got - want) <= (terms + 2) * 2 ** -21 * magnitude + 1e-30;
}

function expectClose(
  what: string,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  terms: number,
  magnitude: (i: number) => number = (i) => Math.abs(want[i]!),
): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!close(got[i]!, want[i]!, terms, magnitude(i))) {
      expect.fail(`${what}[${i}]: gpujs:gl ${got[i]}, js ${want[i]}`);
    }
  }
}

if (!gl.available) {
  describe('gpujs:gl', () => {
    it.skip(`gpujs:gl: unavailable (${gl.reason})`, () => {});
  });
} else {
  describe('gpujs:gl kernels equal the js reference (property)', () => {
    const backend = new GpuJsGlBackend({ mode: 'headlessgl' });
    afterAll(() => backend.dispose());

    /** Gives an array a device copy of the given shape, as a kernel output would. */
    const onDevice = (a: Float32Array, rows: number, cols: number): Float32Array => {
      const out = new Float32Array(a.length);
      // y = a · I is a kernel output: the array is device-resident from here on.
      const eye = new Float32Array(cols * cols);
      for (let i = 0; i < cols; i++) eye[i * cols + i] = 1;
      backend.matmul(a, eye, out, rows, cols, cols);
      return out;
    };

    it('mul, reluBackward, softmaxRows and sumRows', () => {
      fc.assert(
        fc.property(rowsArb, colsArb, seed, (rows, cols, s) => {
          const n = rows * cols;
          const x = randomArray(n, s).map((v) => v * 20);
          const y = randomArray(n, s + 1);
          const dx = onDevice(x, rows, cols);
          const dy = onDevice(y, rows, cols);
          const got = new Float32Array(n);
          const want = new Float32Array(n);
          backend.mul(dx, dy, got);
          js.mul(x, y, want);
          expectClose('mul', backend.read(got), want, 1);
          backend.activationBackward('relu', dx, dy, got);
          js.activationBackward('relu', x, y, want);
          expect(Array.from(backend.read(got))).toEqual(Array.from(want));
          // sigmoid's and tanh's derivatives from their outputs (in (0, 1) and (−1, 1)).
          for (const [activation, squash] of [
            ['sigmoid', (v: number) => 1 / (1 + Math.exp(-v))],
            ['tanh', Math.tanh],
          ] as const) {
            const out = y.map(squash);
            const dOut = onDevice(out, rows, cols);
            backend.activationBackward(activation, dx, dOut, got);
            js.activationBackward(activation, x, out, want);
            expectClose(`${activation}Backward`, backend.read(got), want, 3);
          }
          backend.softmaxRows(dx, got, rows, cols);
          js.softmaxRows(x, want, rows, cols);
          expectClose('softmax', backend.read(got), want, 4 * cols, () => 1);
          const sums = new Float32Array(cols);
          const wantSums = new Float32Array(cols);
          backend.sumRows(dx, sums, rows, cols);
          js.sumRows(x, wantSums, rows, cols);
          const mag = (c: number) => {
            let m = 0;
            for (let r = 0; r < rows; r++) m += Math.abs(x[r * cols + c]!);
            return m;
          };
          expectClose('sumRows', backend.read(sums), wantSums, rows, mag);
        }),
        { numRuns: RUNS },
      );
    });

    it('batchNormForward and batchNormBackward, training and inference', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(2, 7, 32, 33),
          colsArb,
          seed,
          fc.boolean(),
          (rows, cols, s, training) => {
            const n = rows * cols;
            const x = randomArray(n, s).map((v) => v * 3 + 1);
            const dyHost = randomArray(n, s + 1);
            const make = () => ({
              gamma: randomArray(cols, s + 2).map((v) => v + 1.5),
              beta: randomArray(cols, s + 3),
              movingMean: randomArray(cols, s + 4),
              movingVariance: randomArray(cols, s + 5).map((v) => v + 1.5),
            });
            const run = (b: Backend, xs: FloatArray, dys: FloatArray) => {
              const w = make();
              const out = {
                xhat: new Float32Array(n),
                y: new Float32Array(n),
                mean: new Float64Array(cols),
                invStd: new Float64Array(cols),
                sumDy: new Float64Array(cols),
                sumDyXhat: new Float64Array(cols),
                dGamma: new Float32Array(cols),
                dBeta: new Float32Array(cols),
                dx: new Float32Array(n),
              };
              const common = { rows, cols, training, momentum: 0.99, epsilon: 0.001 };
              b.batchNormForward({ x: xs, ...out, ...w, ...common });
              b.batchNormBackward({ dy: dys, ...out, gamma: w.gamma, ...common });
              for (const a of [...Object.values(out), ...Object.values(w)]) b.read(a);
              return { ...out, ...w };
            };
            const want = run(js, x, dyHost);
            const got = run(backend, onDevice(x, rows, cols), onDevice(dyHost, rows, cols));
            // The scale of each value's rounding error: the sum of the absolute values of the terms
            // that made it (column sums over the rows; dx's three terms), as in the matmul bound.
            const colAbs = (f: (r: number, j: number) => number) => (i: number) => {
              const j = i % cols;
              let sum = 0;
              for (let r = 0; r < rows; r++) sum += Math.abs(f(r, j));
              return sum;
            };
            const at = (a: ArrayLike<number>) => (r: number, j: number) => a[r * cols + j]!;
            const dyXhat = (r: number, j: number) =>
              dyHost[r * cols + j]! * want.xhat[r * cols + j]!;
            const magnitude: Record<keyof typeof want, (i: number) => number> = {
              mean: colAbs(at(x)),
              invStd: (i) => Math.abs(want.invStd[i]!) * 4,
              xhat: (i) => Math.abs(want.xhat[i]!) + 4,
              y: (i) => Math.abs(want.y[i]!) + 4 * Math.abs(want.gamma[i % cols]!),
              movingMean: (i) => Math.abs(want.movingMean[i]!) + colAbs(at(x))(i) / rows,
              movingVariance: (i) => Math.abs(want.movingVariance[i]!) + 1,
              sumDy: colAbs(at(dyHost)),
              dBeta: colAbs(at(dyHost)),
              // x̂'s own rounding (allowed |x̂| + 4 above: with few rows and a narrow column,
              // x − mean cancels and x̂ carries x's rounding times 1/σ) passes into Σ dy·x̂
              // weighted by |dy|. Found with 2 rows: Σ dy·x̂ off by 4.5e-5 of itself.
              sumDyXhat: colAbs(
                (r, j) => Math.abs(at(dyHost)(r, j)) * (Math.abs(want.xhat[r * cols + j]!) + 4),
              ),
              dGamma: colAbs(
                (r, j) => Math.abs(at(dyHost)(r, j)) * (Math.abs(want.xhat[r * cols + j]!) + 4),
              ),
              dx: (i) => {
                const j = i % cols;
                const k = Math.abs(want.gamma[j]! * want.invStd[j]!) / (training ? rows : 1);
                if (!training) return k * Math.abs(dyHost[i]!);
                return (
                  k *
                  (rows * Math.abs(dyHost[i]!) +
                    Math.abs(want.sumDy[j]!) +
                    Math.abs(want.xhat[i]! * want.sumDyXhat[j]!) +
                    colAbs(at(dyHost))(i) +
                    Math.abs(want.xhat[i]!) * colAbs(dyXhat)(i) +
                    // x̂'s allowed error (4 per entry, above) through x̂·Σ dy·x̂ and Σ dy·x̂.
                    4 *
                      (Math.abs(want.sumDyXhat[j]!) +
                        (Math.abs(want.xhat[i]!) + 4) * colAbs(at(dyHost))(i)))
                );
              },
              gamma: (i) => Math.abs(want.gamma[i]!),
              beta: (i) => Math.abs(want.beta[i]!),
            };
            for (const k of Object.keys(want) as (keyof typeof want)[]) {
              expectClose(
                `${training ? 'training' : 'inference'} ${k}`,
                got[k],
                want[k],
                rows + 4,
                magnitude[k],
              );
            }
          },
        ),
        { numRuns: RUNS },
      );
    });

    it('softmaxCrossEntropyBackward and lossAndCorrect', () => {
      fc.assert(
        fc.property(rowsArb, fc.constantFrom(2, 3, 10, 17), seed, (rows, cols, s) => {
          const n = rows * cols;
          const z = randomArray(n, s).map((v) => v * 4);
          const p = new Float32Array(n);
          js.softmaxRows(z, p, rows, cols);
          const labels = Float32Array.from({ length: rows }, (_, r) => (r * 7 + s) % cols);
          const want = new Float32Array(n);
          const got = new Float32Array(n);
          js.softmaxCrossEntropyBackward(p, labels, want, rows, cols);
          const dp = onDevice(p, rows, cols);
          backend.softmaxCrossEntropyBackward(dp, labels, got, rows, cols);
          expectClose('dz', backend.read(got), want, 2, () => 1 / rows);
          const w = js.lossAndCorrect(p, labels, rows, cols, 1e-7);
          const g = backend.lossAndCorrect(dp, labels, rows, cols, 1e-7);
          expect(g.correct).toBe(w.correct);
          expect(close(g.lossSum, w.lossSum, 8 * rows, w.lossSum + rows)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });

    it('lossAndCorrect clips p at the label and takes the first of tied maxima', () => {
      const p = Float32Array.from([0, 0.5, 0.5, 1, 0, 0, 0.2, 0.2, 0.6]);
      const labels = Float32Array.from([2, 0, 2]);
      const want = js.lossAndCorrect(p, labels, 3, 3, 1e-7);
      const got = backend.lossAndCorrect(p, labels, 3, 3, 1e-7);
      expect(want.correct).toBe(2); // row 0's tie goes to class 1, not its label 2
      expect(got.correct).toBe(want.correct);
      expect(close(got.lossSum, want.lossSum, 8, want.lossSum)).toBe(true);
    });

    it('sgdUpdate and adamUpdate in place, step after step', () => {
      fc.assert(
        fc.property(rowsArb, colsArb, seed, (rows, cols, s) => {
          const n = rows * cols;
          const host = {
            w: randomArray(n, s),
            m: new Float32Array(n),
            v: new Float32Array(n),
            w2: randomArray(n, s + 9),
          };
          const dev = {
            w: onDevice(host.w, rows, cols),
            m: new Float32Array(n),
            v: new Float32Array(n),
            w2: onDevice(host.w2, rows, cols),
          };
          for (let t = 1; t <= 3; t++) {
            const g = randomArray(n, s + t);
            const dg = onDevice(g, rows, cols);
            const alpha = (0.01 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
            const args = { alpha, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
            js.adamUpdate({ value: host.w, grad: g, m: host.m, v: host.v, ...args });
            backend.adamUpdate({ value: dev.w, grad: dg, m: dev.m, v: dev.v, ...args });
            js.sgdUpdate(host.w2, g, 0.1);
            backend.sgdUpdate(dev.w2, dg, 0.1);
          }
          // Adam's step is alpha · m/(sqrt(v) + ε), at most ~alpha per step in size.
          expectClose('adam w', backend.read(dev.w), host.w, 12, (i) => Math.abs(host.w[i]!) + 1);
          expectClose('adam m', backend.read(dev.m), host.m, 12, (i) => Math.abs(host.m[i]!) + 0.1);
          expectClose(
            'adam v',
            backend.read(dev.v),
            host.v,
            12,
            (i) => Math.abs(host.v[i]!) + 0.01,
          );
          expectClose(
            'sgd w',
            backend.read(dev.w2),
            host.w2,
            6,
            (i) => Math.abs(host.w2[i]!) + 0.3,
          );
        }),
        { numRuns: RUNS },
      );
    });

    it('sumOfSquares and addScaled (L2 weight decay)', () => {
      fc.assert(
        fc.property(
          rowsArb,
          colsArb,
          seed,
          fc.double({ min: -2, max: 2, noNaN: true }),
          (rows, cols, s, scale) => {
            const n = rows * cols;
            const x = randomArray(n, s);
            const out = randomArray(n, s + 1);
            const dx = onDevice(x, rows, cols);
            const dout = onDevice(out, rows, cols);
            const want = js.sumOfSquares(x, rows, cols);
            let squares = 0;
            for (const v of x) squares += v * v;
            expect(want).toBeCloseTo(squares, 10);
            const got = backend.sumOfSquares(dx, rows, cols);
            // float32 column sums: rows terms each, then cols more on the host.
            expect(Math.abs(got - want)).toBeLessThanOrEqual((rows + 4) * 6e-8 * want + 1e-30);
            const wantOut = out.slice();
            js.addScaled(wantOut, x, scale);
            backend.addScaled(dout, dx, scale);
            expectClose(
              'addScaled',
              backend.read(dout),
              wantOut,
              2,
              (i) => Math.abs(out[i]!) + Math.abs(scale * x[i]!),
            );
          },
        ),
        { numRuns: RUNS },
      );
    });

    it('momentumUpdate (plain and Nesterov) and rmspropUpdate (plain, centered, with momentum) in place, step after step', () => {
      fc.assert(
        fc.property(
          rowsArb,
          colsArb,
          seed,
          fc.double({ min: 0.05, max: 0.95, noNaN: true }),
          fc.boolean(),
          fc.double({ min: 0.5, max: 0.99, noNaN: true }),
          fc.boolean(),
          (rows, cols, s, mu, nesterov, rho, centered) => {
            const n = rows * cols;
            const zeros = () => new Float32Array(n);
            const host = {
              w: randomArray(n, s),
              v: zeros(),
              w2: randomArray(n, s + 9),
              ms: zeros(),
              mg: zeros(),
              vel: zeros(),
            };
            const dev = {
              w: onDevice(host.w, rows, cols),
              v: zeros(),
              w2: onDevice(host.w2, rows, cols),
              ms: zeros(),
              mg: zeros(),
              vel: zeros(),
            };
            for (let t = 1; t <= 3; t++) {
              const g = randomArray(n, s + t);
              const dg = onDevice(g, rows, cols);
              const momentum = { learningRate: 0.1, momentum: mu, nesterov };
              js.momentumUpdate({ value: host.w, grad: g, velocity: host.v, ...momentum });
              backend.momentumUpdate({ value: dev.w, grad: dg, velocity: dev.v, ...momentum });
              const rms = { learningRate: 0.01, rho, momentum: mu, epsilon: 1e-7 };
              js.rmspropUpdate({
                value: host.w2,
                grad: g,
                meanSquare: host.ms,
                meanGradient: centered ? host.mg : null,
                velocity: host.vel,
                ...rms,
              });
              backend.rmspropUpdate({
                value: dev.w2,
                grad: dg,
                meanSquare: dev.ms,
                meanGradient: centered ? dev.mg : null,
                velocity: dev.vel,
                ...rms,
              });
            }
            expectClose(
              'momentum w',
              backend.read(dev.w),
              host.w,
              12,
              (i) => Math.abs(host.w[i]!) + 0.3,
            );
            expectClose(
              'momentum velocity',
              backend.read(dev.v),
              host.v,
              12,
              (i) => Math.abs(host.v[i]!) + 0.1,
            );
            expectClose(
              'rmsprop w',
              backend.read(dev.w2),
              host.w2,
              16,
              (i) => Math.abs(host.w2[i]!) + 0.1,
            );
            expectClose(
              'rmsprop meanSquare',
              backend.read(dev.ms),
              host.ms,
              12,
              (i) => Math.abs(host.ms[i]!) + 0.01,
            );
            if (centered)
              expectClose(
                'rmsprop meanGradient',
                backend.read(dev.mg),
                host.mg,
                12,
                (i) => Math.abs(host.mg[i]!) + 0.01,
              );
            expectClose(
              'rmsprop velocity',
              backend.read(dev.vel),
              host.vel,
              16,
              (i) => Math.abs(host.vel[i]!) + 0.01,
            );
          },
        ),
        { numRuns: RUNS },
      );
    });
  });

  describe('gpujs:gl residency', () => {
    const backend = new GpuJsGlBackend({ mode: 'headlessgl' });
    afterAll(() => backend.dispose());

    it('a kernel output is stale on the host until read; write() makes the host copy count', () => {
      const a = Float32Array.from([1, 2, 3, 4]);
      const eye = Float32Array.from([1, 0, 0, 1]);
      const out = new Float32Array(4);
      backend.matmul(a, eye, out, 2, 2, 2);
      expect(Array.from(out)).toEqual([0, 0, 0, 0]); // nothing came back yet
      const before = backend.counters.readbacks;
      expect(Array.from(backend.read(out))).toEqual([1, 2, 3, 4]);
      backend.read(out); // already current: no second read-back
      expect(backend.counters.readbacks).toBe(before + 1);
      // The host changes `a`; without write() the device would keep the old values.
      a.set([10, 20, 30, 40]);
      backend.write(a);
      backend.matmul(a, eye, out, 2, 2, 2);
      expect(Array.from(backend.read(out))).toEqual([10, 20, 30, 40]);
    });

    it('a view (the short last batch) is an array of its own', () => {
      const buffer = Float32Array.from([1, 2, 3, 4, 5, 6]);
      const eye = Float32Array.from([1, 0, 0, 1]);
      const full = new Float32Array(6);
      backend.matmul(buffer, eye, full, 3, 2, 2);
      const outView = new Float32Array(6);
      backend.matmul(buffer.subarray(0, 4), eye, outView.subarray(0, 4), 2, 2, 2);
      expect(Array.from(backend.read(outView.subarray(0, 4)))).toEqual([1, 2, 3, 4]);
      expect(Array.from(backend.read(full))).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('release() frees the device copy and keeps the values', () => {
      const a = Float32Array.from([1, 2]);
      const out = new Float32Array(2);
      backend.matmul(a, Float32Array.from([3]), out, 2, 1, 1);
      const live = backend.liveTextures;
      backend.release(out);
      expect(Array.from(out)).toEqual([3, 6]);
      expect(backend.liveTextures).toBe(live - 1);
    });

    it('textures stay flat over many in-place updates (backend count and GL context count)', () => {
      const ctx = backend.context;
      let created = 0;
      let deleted = 0;
      const create = ctx.createTexture.bind(ctx);
      const remove = ctx.deleteTexture.bind(ctx);
      const patched = ctx as unknown as Record<string, unknown>;
      patched.createTexture = () => {
        created++;
        return create();
      };
      patched.deleteTexture = (t: unknown) => {
        deleted++;
        remove(t);
      };
      try {
        const w = randomArray(64 * 10, 1);
        const x = randomArray(32 * 64, 2);
        const dz = randomArray(32 * 10, 3);
        const g = new Float32Array(64 * 10);
        const m = new Float32Array(64 * 10);
        const v = new Float32Array(64 * 10);
        const step = () => {
          backend.write(x);
          backend.matmul(x, dz, g, 64, 32, 10, { transposeA: true });
          backend.adamUpdate({
            value: w,
            grad: g,
            m,
            v,
            alpha: 0.001,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
          });
        };
        for (let i = 0; i < 5; i++) step(); // warm: kernels built, their textures made
        const live = backend.liveTextures;
        const net = created - deleted;
        for (let i = 0; i < 200; i++) step();
        expect(backend.liveTextures).toBe(live);
        expect(created - deleted).toBe(net);
      } finally {
        patched.createTexture = create;
        patched.deleteTexture = remove;
      }
    });
  });
}
