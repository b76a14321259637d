/**
 * Central finite differences for gradient checks, in float64.
 *
 *   ∂f/∂θ_i ≈ (f(θ + h e_i) − f(θ − h e_i)) / 2h
 *
 * The truncation error is O(h²·f''') and the rounding error about ε·|f|/h (ε ≈ 1.1e−16 in
 * float64). With h = 1e−6 both are near 1e−10 for the O(1) values these tests produce, so an
 * absolute tolerance of 1e−6 plus a relative 1e−5 leaves a wide margin for honest gradients
 * while any real mistake (a missing term, a wrong sign, a transposed index) is off by O(1).
 */
import type { FloatArray } from '@fmnist/core';

export const H = 1e-6;
export const ABS_TOL = 1e-6;
export const REL_TOL = 1e-5;

/** Numerical gradient of `f` with respect to `theta` (perturbed in place and restored). */
export function numericalGradient(theta: FloatArray, f: () => number): Float64Array {
  const grad = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) {
    const saved = theta[i]!;
    theta[i] = saved + H;
    const plus = f();
    theta[i] = saved - H;
    const minus = f();
    theta[i] = saved;
    grad[i] = (plus - minus) / (2 * H);
  }
  return grad;
}

/**
 * The worst violation of |analytic − numeric| <= ABS_TOL + REL_TOL·|numeric| (<= 0 passes).
 * A NaN, an infinity or a length mismatch is the worst violation there is (Infinity): a NaN
 * compares false with everything, so a plain max would let it pass.
 */
export function worstError(analytic: ArrayLike<number>, numeric: ArrayLike<number>): number {
  if (analytic.length !== numeric.length) return Number.POSITIVE_INFINITY;
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < numeric.length; i++) {
    const a = analytic[i]!;
    const n = numeric[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(n)) return Number.POSITIVE_INFINITY;
    worst = Math.max(worst, Math.abs(a - n) - (ABS_TOL + REL_TOL * Math.abs(n)));
  }
  return worst;
}

export function expectClose(
  analytic: ArrayLike<number>,
  numeric: ArrayLike<number>,
  what: string,
): void {
  const worst = worstError(analytic, numeric);
  if (worst > 0) {
    const a = Array.from(analytic).slice(0, 8);
    const n = Array.from(numeric).slice(0, 8);
    throw new Error(`${what}: gradient mismatch by ${worst}\n analytic ${a}\n numeric  ${n}`);
  }
}
