/** How the optimizer turned each gradient into a weight change, entry by entry. */
import type { FloatArray } from '@fmnist/core';
import type { OptimizerSpec } from '@fmnist/nn';
import { adamWeightTolerance, sgdWeightTolerance } from '@fmnist/tf';
import { compare, type ReferenceDifference } from './compare.js';
import type { CheckedEntry } from './finite-differences.js';
import { type SourceFormula, sourceFormula } from './sources.js';
import { unflatten } from './stats.js';

export interface OptimizerEntry {
  weight: string;
  index: number[];
  /** The weight before the step. */
  w: number;
  g: number;
  /**
   * Adam: the moments after this step (m, v) and their bias-corrected forms; SGD with momentum:
   * the velocity (m); RMSprop: the mean square (v) and, centered, the mean gradient (m).
   */
  m: number | null;
  v: number | null;
  mHat: number | null;
  vHat: number | null;
  /** The step computed here from the formula, in float64. */
  deltaFormula: number;
  /** The step the engine actually took (w after − w before). */
  deltaEngine: number;
  /** The step TensorFlow.js took from the same weights. */
  deltaReference: number | null;
}

export interface OptimizerExplain {
  type: OptimizerSpec['type'];
  config: Record<string, number | string>;
  source: SourceFormula;
  /** The step number t (1: a fresh optimizer, as at the start of fit). */
  t: number;
  /** Adam: α = lr · sqrt(1 − β2^t) / (1 − β1^t), the bias corrections folded into the step size. */
  alpha: number | null;
  entries: OptimizerEntry[];
  /** Every trainable weight after the step, against TensorFlow.js's after its step. */
  reference: Array<{ weight: string } & ReferenceDifference> | null;
}

export interface StepWeight {
  name: string;
  shape: number[];
  before: Float32Array;
  after: FloatArray;
  grad: Float32Array;
  entries: CheckedEntry[];
  reference: Float32Array | null;
}

/** How the optimizer turned each gradient into a weight change (a fresh optimizer: t = 1). */
export function explainOptimizerStep(
  spec: OptimizerSpec,
  config: Record<string, number | string>,
  weights: StepWeight[],
): OptimizerExplain {
  const t = 1;
  const lr = Number(config.learningRate);
  const beta1 = Number(config.beta1);
  const beta2 = Number(config.beta2);
  const epsilon = Number(config.epsilon);
  const alpha = spec.type === 'adam' ? (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t) : null;
  const entries: OptimizerEntry[] = weights.flatMap((w) =>
    w.entries.slice(0, 2).map(({ flat }) => {
      const g = w.grad[flat]!;
      const before = w.before[flat]!;
      let m: number | null = null;
      let v: number | null = null;
      let deltaFormula: number;
      if (spec.type === 'adam') {
        // The moments start at 0, so after one step: m = (1 − β1)·g, v = (1 − β2)·g².
        m = (1 - beta1) * g;
        v = (1 - beta2) * g * g;
        deltaFormula = (-alpha! * m) / (Math.sqrt(v) + epsilon);
      } else if (spec.type === 'rmsprop') {
        // After one step from zero state: s = (1 − ρ)·g², ḡ = (1 − ρ)·g; the momentum buffer
        // holds just this step's increment.
        const rho = Number(config.rho);
        v = (1 - rho) * g * g;
        const centered = config.centered === 'true';
        m = centered ? (1 - rho) * g : null;
        const d = centered ? v - m! * m! + epsilon : v + epsilon;
        deltaFormula = (-lr * g) / Math.sqrt(d);
      } else if (Number(config.momentum ?? 0) > 0) {
        // The velocity starts at 0: v = −lr·g; Nesterov looks ahead by μ·v.
        const mu = Number(config.momentum);
        m = -lr * g;
        deltaFormula = config.nesterov === 'true' ? mu * m - lr * g : m;
      } else {
        deltaFormula = -lr * g;
      }
      return {
        weight: w.name,
        index: unflatten(flat, w.shape),
        w: before,
        g,
        m,
        v,
        mHat: spec.type === 'adam' ? m! / (1 - beta1 ** t) : null,
        vHat: spec.type === 'adam' ? v! / (1 - beta2 ** t) : null,
        deltaFormula,
        deltaEngine: w.after[flat]! - before,
        deltaReference: w.reference ? w.reference[flat]! - before : null,
      };
    }),
  );
  // Adam and RMSprop take steps of about lr whatever the gradient; SGD's scale with it.
  const tolerance = spec.type === 'sgd' ? sgdWeightTolerance(1) : adamWeightTolerance(1);
  const reference = weights.every((w) => w.reference)
    ? weights.map((w) => ({ weight: w.name, ...compare(w.after, w.reference!, tolerance) }))
    : null;
  return {
    type: spec.type,
    config,
    source: sourceFormula('optimizer'),
    t,
    alpha,
    entries,
    reference,
  };
}
