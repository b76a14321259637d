/**
 * The optimizers' WebAssembly SIMD updates (src/wasm/loops.ts) against the js backend's
 * loops: Adam (float32 lanes; the js loop in float32 through Math.fround) and plain SGD
 * (float64 lanes, rounded once where stored, like the js loop) give the same bits, step after
 * step, for any length (the padded last lanes included), any hyperparameters, and gradients
 * from tiny to large. The gpu.js backend uses them for float32 weights.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AdamUpdateArgs } from '../src/backend.js';
import { GpuJsBackend } from '../src/gpujs/backend.js';
import { JsBackend } from '../src/js-backend.js';
import { WasmLoops } from '../src/wasm/loops.js';
import { randomArray } from './helpers.js';

const reference = new JsBackend();
const wasm = WasmLoops.create();

/** The first index where two arrays differ in bits (NaN equal to NaN), or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) {
    if (x[i] !== y[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  }
  return -1;
}

const settings = fc.record({
  length: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom(10, 64, 127, 128, 50_176)),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  steps: fc.integer({ min: 1, max: 4 }),
  learningRate: fc.double({ min: 1e-6, max: 1, noNaN: true }),
  beta1: fc.double({ min: 0, max: 0.999, noNaN: true }),
  beta2: fc.double({ min: 0, max: 0.9999, noNaN: true }),
  epsilon: fc.constantFrom(1e-7, 1e-3, 1e-12, 0),
  gradientScale: fc.constantFrom(1e-30, 1e-6, 1, 1e6),
});

describe('Adam in WebAssembly SIMD', () => {
  it('is available here (Node 20 has WebAssembly SIMD)', () => {
    expect(wasm).not.toBeNull();
  });

  it('gives the js loop’s exact bits: weights, m and v, step after step', () => {
    fc.assert(
      fc.property(settings, (s) => {
        const start = randomArray(s.length, s.seed);
        const states: { value: Float32Array; m: Float32Array; v: Float32Array }[] = [0, 1].map(
          () => ({
            value: Float32Array.from(start),
            m: new Float32Array(s.length),
            v: new Float32Array(s.length),
          }),
        );
        // A third run with m and v where the module keeps them (adamState): no copies of them.
        const [m, v] = wasm!.adamState(start)!;
        expect([Array.from(m), Array.from(v)]).toEqual(
          [states[0]!.m, states[0]!.v].map((a) => Array.from(a)),
        );
        states.push({ value: Float32Array.from(start), m, v });
        for (let t = 1; t <= s.steps; t++) {
          const grad = randomArray(s.length, s.seed + t).map((g) => g * s.gradientScale);
          const alpha = (s.learningRate * Math.sqrt(1 - s.beta2 ** t)) / (1 - s.beta1 ** t);
          const args = (i: number): AdamUpdateArgs => ({
            ...states[i]!,
            grad,
            alpha,
            beta1: s.beta1,
            beta2: s.beta2,
            epsilon: s.epsilon,
          });
          reference.adamUpdate(args(0));
          expect(wasm!.adam(args(1))).toBe(true);
          expect(wasm!.adam(args(2))).toBe(true);
          for (const part of ['value', 'm', 'v'] as const) {
            expect(firstBitDifference(states[0]![part], states[1]![part]), part).toBe(-1);
            expect(firstBitDifference(states[0]![part], states[2]![part]), `${part}, kept`).toBe(
              -1,
            );
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps m and v only for float32 weights; the gpu.js backend hands them to Adam', () => {
    expect(wasm!.adamState(new Float64Array(3))).toBeNull();
    const backend = new GpuJsBackend({ mode: 'webasm' });
    const [m, v] = backend.adamState(new Float32Array(5))!;
    expect([m.length, v.length, m instanceof Float32Array]).toEqual([5, 5, true]);
    expect(m.buffer).not.toBe(new Float32Array(1).buffer);
    expect(backend.adamState(new Float64Array(5))).toBeNull();
    backend.dispose();
  });

  it('leaves float64 arrays to the js loop (returns false, touches nothing)', () => {
    const value = new Float64Array([1, 2, 3]);
    const before = Float64Array.from(value);
    const ran = wasm!.adam({
      value,
      grad: new Float64Array(3).fill(1),
      m: new Float64Array(3),
      v: new Float64Array(3),
      alpha: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
    expect(ran).toBe(false);
    expect(Array.from(value)).toEqual(Array.from(before));
  });

  it('is what the gpu.js backend runs, with float64 arrays still updated (by the js loop)', () => {
    const backend = new GpuJsBackend({ mode: 'webasm' });
    for (const Kind of [Float32Array, Float64Array]) {
      const make = () => ({
        value: Kind.from(randomArray(33, 7)),
        m: new Kind(33),
        v: new Kind(33),
      });
      const [want, got] = [make(), make()];
      const grad = Kind.from(randomArray(33, 8));
      const common = { grad, alpha: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
      reference.adamUpdate({ ...want, ...common });
      backend.adamUpdate({ ...got, ...common });
      expect(Array.from(got.value)).toEqual(Array.from(want.value));
      expect(Array.from(got.value)).not.toEqual(Array.from(Kind.from(randomArray(33, 7))));
    }
    backend.dispose();
  });
});

describe('SGD in WebAssembly SIMD', () => {
  it('gives the js loop’s exact bits, step after step', () => {
    fc.assert(
      fc.property(
        fc.record({
          length: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom(10, 127, 50_176)),
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          learningRate: fc.oneof(
            fc.constantFrom(1e-4, 0.01, 0.1),
            fc.double({ min: 1e-8, max: 10, noNaN: true }),
          ),
          gradientScale: fc.constantFrom(1e-30, 1e-6, 1, 1e6),
        }),
        (s) => {
          const [want, got] = [0, 1].map(() => randomArray(s.length, s.seed));
          for (let t = 1; t <= 3; t++) {
            const grad = randomArray(s.length, s.seed + t).map((g) => g * s.gradientScale);
            reference.sgdUpdate(want!, grad, s.learningRate);
            expect(wasm!.sgd(got!, grad, s.learningRate)).toBe(true);
            expect(firstBitDifference(want!, got!)).toBe(-1);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves float64 arrays to the js loop; the gpu.js backend updates both', () => {
    const value = new Float64Array([1, 2, 3]);
    expect(wasm!.sgd(value, new Float64Array(3).fill(1), 0.5)).toBe(false);
    expect(Array.from(value)).toEqual([1, 2, 3]);
    const backend = new GpuJsBackend({ mode: 'webasm' });
    for (const Kind of [Float32Array, Float64Array]) {
      const [want, got] = [Kind.from(randomArray(33, 3)), Kind.from(randomArray(33, 3))];
      const grad = Kind.from(randomArray(33, 4));
      reference.sgdUpdate(want, grad, 0.01);
      backend.sgdUpdate(got, grad, 0.01);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
    backend.dispose();
  });
});

describe('ReLU backward in WebAssembly SIMD', () => {
  /**
   * Hidden-layer outputs: exact zeros (ReLU's), -0, tiny and large positives and negatives, and
   * NaN, mixed in any proportion; gradients of any scale and sign, NaN and ±Infinity included.
   */
  const outputs = (length: number) =>
    fc.array(
      fc.oneof(
        fc.constantFrom(0, -0, Number.NaN, 1e-45, -1e-45, Number.POSITIVE_INFINITY),
        fc.float({ noDefaultInfinity: true }),
      ),
      { minLength: length, maxLength: length },
    );
  const gradients = (length: number) =>
    fc.array(fc.float(), { minLength: length, maxLength: length });
  const cases = fc
    .oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom(31, 2048, 4096))
    .chain((length) => fc.tuple(gradients(length), outputs(length)));

  it('gives the js loop’s exact bits: dy where y > 0, +0 elsewhere', () => {
    fc.assert(
      fc.property(cases, ([dyValues, yValues]) => {
        const dy = Float32Array.from(dyValues);
        const y = Float32Array.from(yValues);
        const [want, got] = [new Float32Array(dy.length), new Float32Array(dy.length)];
        // Stale values in out must not survive.
        got.fill(7);
        reference.activationBackward('relu', dy, y, want);
        expect(wasm!.reluBackward(dy, y, got)).toBe(true);
        expect(firstBitDifference(want, got)).toBe(-1);
        // +0, not -0, where y <= 0 or y is NaN.
        y.forEach((v, i) => {
          if (!(v > 0)) expect(Object.is(got[i], 0), `index ${i}`).toBe(true);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('leaves float64 or mismatched arrays to the js loop; the gpu.js backend computes both', () => {
    const dy = new Float64Array([1, -2, 3]);
    const y = new Float64Array([1, 0, -1]);
    const out = new Float64Array(3);
    expect(wasm!.reluBackward(dy, y, out)).toBe(false);
    expect(wasm!.reluBackward(new Float32Array(4), new Float32Array(4), new Float32Array(3))).toBe(
      false,
    );
    const backend = new GpuJsBackend({ mode: 'webasm' });
    for (const Kind of [Float32Array, Float64Array]) {
      const got = new Kind(3);
      backend.activationBackward('relu', Kind.from(dy), Kind.from(y), got);
      expect(Array.from(got)).toEqual([1, 0, 0]);
    }
    backend.dispose();
  });
});

describe('batch normalisation’s passes in WebAssembly SIMD', () => {
  const shapes = fc.record({
    rows: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(32)),
    cols: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(32, 64, 128)),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    scale: fc.constantFrom(1e-20, 1e-3, 1, 1e4),
    training: fc.boolean(),
  });

  /** Forward and backward on one backend, from the same inputs; every array it writes. */
  function run(
    backend: JsBackend,
    s: { rows: number; cols: number; seed: number; scale: number; training: boolean },
  ) {
    const { rows, cols, seed, scale, training } = s;
    const n = rows * cols;
    const forward = {
      x: randomArray(n, seed).map((v) => v * scale),
      xhat: new Float32Array(n),
      y: new Float32Array(n),
      mean: new Float64Array(cols),
      invStd: new Float64Array(cols),
      gamma: randomArray(cols, seed + 1),
      beta: randomArray(cols, seed + 2),
      movingMean: randomArray(cols, seed + 3),
      movingVariance: randomArray(cols, seed + 4).map(Math.abs),
      rows,
      cols,
      training,
      momentum: 0.99,
      epsilon: 1e-3,
    };
    backend.batchNormForward(forward);
    const backward = {
      dy: randomArray(n, seed + 5).map((v) => v * scale),
      xhat: forward.xhat,
      gamma: forward.gamma,
      invStd: forward.invStd,
      sumDy: new Float64Array(cols),
      sumDyXhat: new Float64Array(cols),
      dGamma: new Float32Array(cols),
      dBeta: new Float32Array(cols),
      dx: new Float32Array(n),
      rows,
      cols,
      training,
    };
    backend.batchNormBackward(backward);
    const { x: _x, gamma: _g, beta: _b, ...written } = forward;
    const { dy: _dy, xhat: _xh, gamma: _g2, invStd: _i, ...writtenBack } = backward;
    return { ...written, ...writtenBack };
  }

  it('the gpu.js backend’s forward and backward give the js loops’ exact bits', () => {
    const backend = new GpuJsBackend({ mode: 'webasm' });
    try {
      fc.assert(
        fc.property(shapes, (s) => {
          const want = run(reference, s);
          const got = run(backend, s);
          for (const [name, array] of Object.entries(want)) {
            if (typeof array === 'number' || typeof array === 'boolean') continue;
            const other = got[name as keyof typeof got] as Float32Array | Float64Array;
            const same =
              array instanceof Float64Array
                ? Array.from(array).every((v, i) => Object.is(v, other[i]))
                : firstBitDifference(array as Float32Array, other as Float32Array) === -1;
            expect(same, name).toBe(true);
          }
        }),
        { numRuns: 80 },
      );
    } finally {
      backend.dispose();
    }
  });

  it('runs where the columns are even and float32 blocks meet float64 columns, else says no', () => {
    const x = randomArray(12, 1);
    expect(wasm!.columnPass('sums', 3, 4, [x, new Float64Array(4)])).toBe(true);
    // odd columns, a float64 block, a float32 column array, a short block: the js loop's
    expect(wasm!.columnPass('sums', 4, 3, [x, new Float64Array(3)])).toBe(false);
    expect(wasm!.columnPass('sums', 3, 4, [Float64Array.from(x), new Float64Array(4)])).toBe(false);
    expect(wasm!.columnPass('sums', 3, 4, [x, new Float32Array(4)])).toBe(false);
    expect(wasm!.columnPass('sums', 4, 4, [x, new Float64Array(4)])).toBe(false);
    // and its sums are the js loop's: column j of a 3×4 block
    const out = new Float64Array(4);
    wasm!.columnPass('sums', 3, 4, [x, out]);
    for (let j = 0; j < 4; j++) expect(out[j]).toBe(x[j]! + x[4 + j]! + x[8 + j]!);
  });
});

describe('the transpose in WebAssembly SIMD (a transposed weight for dZ·Wᵀ)', () => {
  it('copies every value to its transposed place with its bits (NaN payloads too), at an offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).map((r) => r * 4),
        fc.integer({ min: 1, max: 40 }).map((c) => c * 4),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (rows, cols, outStart, seed) => {
          const a = randomArray(rows * cols, seed);
          // odd bit patterns: NaNs with payloads, -0, a denormal
          const bits = new Uint32Array(a.buffer);
          bits[seed % bits.length] = 0x7fc0_1234;
          bits[(seed + 1) % bits.length] = 0x8000_0000;
          bits[(seed + 2) % bits.length] = 0x0000_0001;
          const out = new Float32Array(outStart + rows * cols + 3).fill(7);
          expect(wasm!.transpose(a, rows, cols, out, outStart)).toBe(true);
          const got = new Uint32Array(out.buffer);
          for (let r = 0; r < rows; r++) {
            for (let c = 0; c < cols; c++) {
              if (got[outStart + c * rows + r] !== bits[r * cols + c]) {
                throw new Error(`(${r}, ${c}) of ${rows}×${cols} misplaced`);
              }
            }
          }
          // nothing written outside its place
          expect(Array.from(out.subarray(0, outStart))).toEqual(Array(outStart).fill(7));
          expect(Array.from(out.subarray(outStart + rows * cols))).toEqual([7, 7, 7]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('says no (and writes nothing) where a size is not a multiple of 4 or the array is float64', () => {
    const out = new Float32Array(64).fill(7);
    expect(wasm!.transpose(randomArray(6 * 8, 1), 6, 8, out)).toBe(false);
    expect(wasm!.transpose(randomArray(8 * 10, 1), 8, 10, out)).toBe(false);
    expect(wasm!.transpose(new Float64Array(16), 4, 4, out)).toBe(false);
    expect(wasm!.transpose(randomArray(16, 1), 4, 4, out, 50)).toBe(false); // past the end
    expect(Array.from(out)).toEqual(Array(64).fill(7));
  });
});
