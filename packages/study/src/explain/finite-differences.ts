/**
 * The check of the backward pass: a float64 copy of the model on the js backend, its analytic
 * gradient (the engine's own backward) against a central finite difference of the loss, on a
 * few entries of every weight.
 */
import { JsBackend, type Rng } from '@fmnist/core';
import {
  Dense,
  Dropout,
  type DropoutMasks,
  type ModelSpec,
  Sequential,
  sparseCategoricalCrossentropy,
} from '@fmnist/nn';
import { pickEntries } from './stats.js';

/**
 * The finite-difference check and the bound it is held to.
 *
 * The estimate is (L(w + h) − L(w − h)) / 2h in float64. Its error has two parts: truncation,
 * h²/6 · L''' (about 1e-10 · L''' for h = 1e-5), and rounding, about ε·|L|/h (ε = 2.2e-16,
 * L ≈ 2.3: about 5e-11, usually less because L(w + h) and L(w − h) round alike). Against
 * gradient entries of 1e-4 and more that is a relative error of 1e-6 at worst, so a bound of
 * 1e-4 leaves a hundredfold margin and still catches any wrong formula (a missing term or factor
 * is an error of order 1). Entries whose gradient is tiny have no meaningful relative error, so
 * the denominator never drops below an absolute floor: |a − n| / max(|a|, |n|, floor).
 *
 * A ReLU whose input crosses 0 between w − h and w + h makes L not smooth there, and the
 * difference quotient then means nothing; such entries are flagged (`kink`) and not held to the
 * bound. With h = 1e-5 that is rare.
 */
export const GRADIENT_CHECK = {
  /** The step h of the central difference. */
  step: 1e-5,
  /** Every checked entry's relative error must be below this. */
  bound: 1e-4,
  /** The smallest denominator of the relative error (an absolute floor for near-zero gradients). */
  floor: 1e-6,
  /** Entries checked per weight by default. */
  entriesPerWeight: 3,
} as const;

/** The relative error the check reports, with its absolute floor. */
export function relativeError(analytic: number, numeric: number): number {
  return (
    Math.abs(analytic - numeric) /
    Math.max(Math.abs(analytic), Math.abs(numeric), GRADIENT_CHECK.floor)
  );
}

export interface CheckedEntry {
  flat: number;
  analytic: number;
  numeric: number;
  relativeError: number;
  kink: boolean;
}

/**
 * The analytic gradient of a float64 copy of the model (the engine's own backward, on the js
 * backend) against central finite differences of its loss, on a few entries of every weight.
 */
export function gradientCheck(
  spec: ModelSpec,
  weights: readonly ArrayLike<number>[],
  masks: DropoutMasks,
  x: Float32Array,
  labels: Int32Array,
  perWeight: number,
  rng: Rng,
): {
  entries: Map<string, CheckedEntry[]>;
  checked: number;
  kinks: number;
  maxRelativeError: number;
} {
  const model = new Sequential(spec, { dtype: 'float64', backend: new JsBackend() });
  try {
    model.setWeights(weights);
    model.compile({ optimizer: { type: 'sgd', learningRate: 1 } });
    for (const layer of model.layers) {
      if (layer instanceof Dropout && masks[layer.name]) layer.setFixedMask(masks[layer.name]!);
    }
    const x64 = Float64Array.from(x);
    const batch = labels.length;
    model.step(x64, labels, { apply: false });
    const reluLayers = model.layers
      .map((l, i) => (l instanceof Dense && l.activation === 'relu' ? i : -1))
      .filter((i) => i >= 0);
    // A probe of layer L's weights leaves the layers before L as they were: forward from L on.
    const lossAndPattern = (fromLayer: number) => {
      const p = model.forward(x64, { training: true, fromLayer });
      // The loss training minimises: the cross-entropy plus each L2 kernel's l2·ΣW², written out
      // here from the weights rather than asked of the model.
      const value =
        sparseCategoricalCrossentropy(p, labels, batch, model.classes) + l2Penalty(model);
      const acts = model.activations();
      const pattern: boolean[] = [];
      for (const i of reluLayers) for (const v of acts[i]!.values) pattern.push(v > 0);
      return { value, pattern };
    };
    const h = GRADIENT_CHECK.step;
    const entries = new Map<string, CheckedEntry[]>();
    let checked = 0;
    let kinks = 0;
    let maxRelativeError = 0;
    // Layers from `stale` on hold the last probe's outputs, not the weights' own; a probe of a
    // later layer needs the earlier ones' own, so they are computed again first.
    let stale = Number.POSITIVE_INFINITY;
    model.trainableWeights.forEach((w, k) => {
      const layer = model.layers.findIndex((l) => l.weights.includes(w));
      if (stale < layer) model.forward(x64, { training: true, fromLayer: stale });
      stale = layer;
      const grad = Float64Array.from(model.backend.read(w.grad!));
      const picked = pickEntries(grad, perWeight, rng.fork(k), GRADIENT_CHECK.floor);
      entries.set(
        w.name,
        picked.map((flat) => {
          const original = w.value[flat]!;
          w.value[flat] = original + h;
          model.weightsChanged(w);
          const plus = lossAndPattern(layer);
          w.value[flat] = original - h;
          model.weightsChanged(w);
          const minus = lossAndPattern(layer);
          w.value[flat] = original;
          model.weightsChanged(w);
          const numeric = (plus.value - minus.value) / (2 * h);
          const kink = plus.pattern.some((on, i) => on !== minus.pattern[i]);
          const error = relativeError(grad[flat]!, numeric);
          if (kink) kinks++;
          else {
            checked++;
            maxRelativeError = Math.max(maxRelativeError, error);
          }
          return { flat, analytic: grad[flat]!, numeric, relativeError: error, kink };
        }),
      );
    });
    return { entries, checked, kinks, maxRelativeError };
  } finally {
    model.dispose();
  }
}

/** Σ l2·ΣW² over the Dense kernels that have an L2 regularizer, in float64. */
function l2Penalty(model: Sequential): number {
  let sum = 0;
  for (const layer of model.layers) {
    if (!(layer instanceof Dense) || layer.l2 === 0) continue;
    let squares = 0;
    for (const v of layer.kernel.value) squares += v * v;
    sum += layer.l2 * squares;
  }
  return sum;
}
