import type { Backend, FloatArray } from '../src/backend.js';
import { GpuJsBackend, type GpuJsMode, gpuJsModeAvailability } from '../src/gpujs/backend.js';
import { GpuJsGlBackend, glModeAvailability } from '../src/gpujs/resident.js';
import { JsBackend } from '../src/js-backend.js';
import { Rng } from '../src/rng.js';

/**
 * Every backend and mode the kernel tests run on. An unavailable one carries the reason, which
 * the tests put in the name of a skipped test (never a silent pass).
 */
export interface BackendCase {
  name: string;
  create?: () => Backend;
  unavailable?: string;
  /** Property runs per test: headlessgl compiles a kernel in ~150 ms, so it gets fewer. */
  runs: number;
}

export function backendCases(): BackendCase[] {
  const cases: BackendCase[] = [{ name: 'js', create: () => new JsBackend(), runs: 25 }];
  for (const mode of ['webasm', 'cpu', 'headlessgl'] as GpuJsMode[]) {
    const { available, reason } = gpuJsModeAvailability(mode);
    const name = `gpujs:${mode}`;
    const runs = mode === 'headlessgl' ? 6 : 15;
    cases.push(
      available
        ? { name, create: () => new GpuJsBackend({ mode }), runs }
        : { name, unavailable: reason, runs },
    );
  }
  const gl = glModeAvailability('headlessgl');
  cases.push(
    gl.available
      ? { name: 'gpujs:gl', create: () => new GpuJsGlBackend({ mode: 'headlessgl' }), runs: 6 }
      : { name: 'gpujs:gl', unavailable: gl.reason, runs: 6 },
  );
  return cases;
}

/** Uniform values in [-1, 1) from a seeded generator (fast-check supplies the seed). */
export function randomArray(length: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/**
 * THE tolerance, in one place. The reference is the js backend on the same float32 inputs,
 * which accumulates in float64 and rounds once, so it is within half an ulp of the exact
 * result. A float32 kernel summing k products in any order is off from the exact result by at
 * most gamma_k * sum_p |a_ip * b_pj| with gamma_k = k*u/(1 - k*u) and u = 2^-24 (Higham,
 * "Accuracy and Stability of Numerical Algorithms", 3.1); a fused bias is one more term, and
 * ReLU is 1-Lipschitz so it cannot widen the gap. We allow (k + 2) * u times that magnitude
 * (+2 for the bias add and the final rounding), plus 1e-30 so exact zeros compare.
 * Elementwise kernels and reductions use the same bound with k = the number of terms.
 */
export const UNIT_ROUNDOFF = 2 ** -24;
export function withinTolerance(got: number, want: number, terms: number, magnitude: number) {
  const allowed = (terms + 2) * UNIT_ROUNDOFF * magnitude + 1e-30;
  return Math.abs(got - want) <= allowed;
}

/** sum_p |op(a)_ip * op(b)_pj| + |bias_j| for each output: the scale of each result's error. */
export function matmulMagnitudes(
  a: FloatArray,
  b: FloatArray,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
  bias?: FloatArray,
): Float64Array {
  const mags = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? Math.abs(bias[j]!) : 0;
      for (let p = 0; p < k; p++) {
        const av = transposeA ? a[p * m + i]! : a[i * k + p]!;
        const bv = transposeB ? b[j * k + p]! : b[p * n + j]!;
        s += Math.abs(av * bv);
      }
      mags[i * n + j] = s;
    }
  }
  return mags;
}

/** The first index where got and want differ beyond the tolerance, or -1. */
export function firstMismatch(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  terms: number,
  magnitudes: ArrayLike<number>,
): number {
  for (let i = 0; i < want.length; i++) {
    if (!withinTolerance(got[i]!, want[i]!, terms, magnitudes[i]!)) return i;
  }
  return -1;
}
