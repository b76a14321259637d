import type { Tolerance } from './compare.js';

/**
 * Every tolerance the cross-check uses, in one place, with why it is that size.
 *
 * Both engines compute in float32 (unit roundoff u = 2^-24 ≈ 6e-8) but in different orders:
 * tfjs-wasm's XNNPACK matmul sums in blocked, vectorised order, the custom engine in plain
 * loops (and BatchNormalization's statistics in float64). A dot product of K terms then
 * differs by up to about K·u·Σ|aᵢbᵢ| in the worst case and √K·u·Σ|aᵢbᵢ| typically. The widest
 * sum in the family is K = 784 inputs, so the worst case is ~5e-5 of the terms' magnitude and
 * the typical case ~2e-6. Each layer adds its own rounding to what it receives, so errors grow
 * mildly with depth (at most five layers with weights here).
 *
 * Comparisons are normwise (see compare.ts): |a − b| ≤ abs + rel · max|b|.
 */
export const TOLERANCES = {
  /** Layer outputs of one forward pass: a few K-term dot products deep, ~1e-6 typical. */
  activations: { abs: 1e-6, rel: 5e-5 },
  /**
   * Mean cross-entropy: −log p of the label, averaged. log's condition number is 1/|log p|
   * relative, so p's relative error passes through almost unchanged.
   */
  loss: { abs: 1e-6, rel: 5e-5 },
  /**
   * Weight gradients: a backward pass is as deep again as the forward, plus a sum over the
   * batch (K = batch size) for each weight; BatchNormalization's input gradient subtracts two
   * batch means from dy (cancellation), so it is the worst-conditioned step. Measured
   * differences stay below 1e-5 of the gradient's scale; 2e-4 leaves room for unlucky draws.
   */
  gradients: { abs: 1e-6, rel: 2e-4 },
  /**
   * Weights after SGD steps, per step taken: each step moves w by lr·g, so it adds lr times the
   * gradients' difference (≤ 2e-4 of their scale, which reaches ~1 for small-batch
   * BatchNormalization models) plus one rounding of w (u·|w| ≈ 2e-8); later gradients are then
   * taken at weights that already differ, which compounds mildly at the rates checked (1e-4,
   * 1e-2). Measured: under 1e-7 per step; this allows ten times the worst seen.
   */
  weightsAfterSgdPerStep: { abs: 1e-6, rel: 1e-5 },
  /**
   * Weights after Adam steps: each step moves a weight by about lr·m/(sqrt(v)+ε), i.e. up to
   * lr = 1e-3 whatever the gradient's size, so a gradient entry that rounding moves relative to
   * its own tiny size moves the update by a share of lr. ε (1e-7, effectively 3e-6 at t = 1)
   * damps that for gradients near zero. Allow 5% of one step's size per step taken.
   */
  weightsAfterAdamPerStep: { abs: 5e-5, rel: 1e-5 },
  /**
   * BatchNormalization's moving statistics after training steps: a convex mix of batch means
   * and variances (float64 in the custom engine, float32 in tfjs) with the previous values.
   */
  movingStats: { abs: 1e-6, rel: 5e-5 },
  /** Dropout mask statistics: fraction dropped within this of the rate (binomial, n ≥ 2000). */
  dropoutFraction: 0.05,
} as const satisfies Record<string, Tolerance | number>;

/**
 * Where the engines are compared at all: the two regimes in which they part ways by design
 * rather than by rounding (README.md, "Where TensorFlow.js differs").
 */
export const COMPARABLE = {
  /**
   * Batches through BatchNormalization have at least this many rows: with 2 rows x̂ = ±1 up
   * to ε whatever the input, so BN's input gradient is a cancellation that leaves only rounding
   * noise, which no two engines share. The study trains with 32.
   */
  minBatchWithBatchNorm: 8,
  /**
   * Every label probability (training-mode output) is at least this: below 1e-7 tfjs's clipped
   * cross-entropy passes no gradient while the custom engine passes p − onehot.
   */
  minLabelProbability: 1e-6,
} as const;

/** The tolerance for weights after `steps` SGD steps (errors add up step by step). */
export function sgdWeightTolerance(steps: number): Tolerance {
  const perStep = TOLERANCES.weightsAfterSgdPerStep;
  return { abs: perStep.abs * steps, rel: perStep.rel * steps };
}

/** The tolerance for weights after `steps` Adam steps (errors add up step by step). */
export function adamWeightTolerance(steps: number): Tolerance {
  const perStep = TOLERANCES.weightsAfterAdamPerStep;
  return { abs: perStep.abs * steps, rel: perStep.rel * steps };
}

/**
 * Weights after `steps` steps of SGD with momentum μ: the velocity carries every earlier step's
 * difference on with weight μ^k, so a weight's error is at most 1/(1 − μ) times SGD's per step
 * taken, and Nesterov's look-ahead adds μ times the velocity's once more.
 */
export function momentumWeightTolerance(
  steps: number,
  momentum: number,
  nesterov: boolean,
): Tolerance {
  return sgdWeightTolerance((steps * (1 + (nesterov ? momentum : 0))) / (1 - momentum));
}

/**
 * Weights after `steps` RMSprop steps: like Adam's, each step is about lr in size whatever the
 * gradient, larger by 1/sqrt(1 − ρ) at the first step (1/sqrt(ρ(1 − ρ)) centered), and the
 * momentum buffer adds up to 1/(1 − μ) of them.
 */
export function rmspropWeightTolerance(
  steps: number,
  options: { rho: number; momentum: number; centered: boolean },
): Tolerance {
  const { rho, momentum, centered } = options;
  const size = 1 / Math.sqrt(centered ? rho * (1 - rho) : 1 - rho);
  return adamWeightTolerance((steps * size) / (1 - momentum));
}
