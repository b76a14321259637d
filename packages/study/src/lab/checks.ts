/**
 * The lab page's checks of its last trained model: explain's finite-difference check of the
 * backward pass, on the first 32 training images with dropout masks drawn once from the seed.
 * (The page's cross-check against TensorFlow.js is `labCrosscheck` in crosscheck.ts, loaded with
 * TF.js only when asked.)
 */
import { JsBackend, Rng } from '@fmnist/core';
import { Dropout, drawDropoutMasks, Sequential } from '@fmnist/nn';
import { GRADIENT_CHECK, gradientCheck } from '../explain/finite-differences.js';
import type { ModelJob } from '../models.js';
import type { CropSets } from '../trainer.js';

/** The model the page trained last, as the checks need it. */
export interface LabModel {
  job: ModelJob;
  seed: number;
  weights: Float32Array[];
  sets: CropSets;
}

/** explain's finite-difference check of the trained model's backward pass, on one batch. */
export interface CheckResult {
  batch: number;
  checked: number;
  kinks: number;
  maxRelativeError: number;
  bound: number;
  entries: {
    weight: string;
    flat: number;
    analytic: number;
    numeric: number;
    relativeError: number;
    kink: boolean;
  }[];
}

/** The check batch: the first 32 training images, and the seeded stream its masks come from. */
export function checkBatch(last: LabModel) {
  const { job, seed, weights, sets } = last;
  const batch = Math.min(32, sets.train.y.length);
  const size = sets.train.shape[1] * sets.train.shape[2];
  const x = sets.train.x.slice(0, batch * size);
  const labels = Int32Array.from(sets.train.y.subarray(0, batch));
  const rng = new Rng(seed).fork(0xe4);
  return { job, seed, weights, batch, x, labels, rng };
}

/**
 * explain's check of the backward pass on the trained weights: a float64 copy of the model on
 * the js backend, its analytic gradient against a central difference of the loss, on a few
 * entries of every weight (dropout masks drawn once and pinned, so the loss is one function of
 * the weights).
 */
export function labGradientCheck(last: LabModel): CheckResult {
  const { job, seed, weights, batch, x, labels, rng } = checkBatch(last);
  const probe = new Sequential(job.spec, { seed, backend: new JsBackend() });
  const sites = probe.layers
    .filter((l): l is Dropout => l instanceof Dropout)
    .map((l) => ({ name: l.name, units: l.inputSize, rate: l.rate }));
  probe.dispose();
  const masks = drawDropoutMasks(sites, batch, rng.fork(1));
  const result = gradientCheck(
    job.spec,
    weights,
    masks,
    x,
    labels,
    GRADIENT_CHECK.entriesPerWeight,
    rng.fork(2),
  );
  return {
    batch,
    checked: result.checked,
    kinks: result.kinks,
    maxRelativeError: result.maxRelativeError,
    bound: GRADIENT_CHECK.bound,
    entries: [...result.entries].flatMap(([weight, list]) => list.map((e) => ({ weight, ...e }))),
  };
}
