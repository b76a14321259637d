/**
 * `fmnist crosscheck`'s batch comparison, in the lab page: the trained weights in the custom
 * engine (the js reference backend, float32) and in TensorFlow.js, the check batch through
 * both, every layer's outputs in inference and training mode, the loss, every gradient and
 * dL/dx and the moving statistics against the cross-check's tolerances, flattened into the
 * page's table. Its own entry point (`@fmnist/study/lab/crosscheck`): it brings TF.js, which
 * the page loads only when asked.
 */
import { JsBackend } from '@fmnist/core';
import { Sequential } from '@fmnist/nn';
import { TfReference } from '@fmnist/tf';
import { type BatchComparison, compareBatch } from '../crosscheck.js';
import { checkBatch, type LabModel } from './checks.js';

/** One row of the page's cross-check table: a quantity, its largest difference, its verdict. */
export interface CrosscheckRow {
  layer: string;
  what: string;
  maxAbs: number;
  maxRel: number;
  ok: boolean;
}

export interface CrosscheckResult {
  model: string;
  /** The TensorFlow.js backend that ran (webgl, wasm or cpu) and what was skipped before it. */
  tfBackend: string;
  skipped: string[];
  batch: number;
  loss: { custom: number; tf: number; difference: number; ok: boolean };
  rows: CrosscheckRow[];
  ok: boolean;
}

/** The comparison as the page's table: one row per quantity, with its verdict. */
export function crosscheckRows(c: BatchComparison): CrosscheckRow[] {
  const rows: CrosscheckRow[] = [];
  const row = (layer: string, what: string, d: { maxAbs: number; maxRel: number; ok: boolean }) =>
    rows.push({ layer, what, maxAbs: d.maxAbs, maxRel: d.maxRel, ok: d.ok });
  for (const l of c.layers) {
    row(l.layer, 'output, inference', l.inference);
    row(l.layer, 'output, training', l.training);
    for (const g of l.gradients) row(l.layer, `dL/d ${g.weight.split('/').at(-1)}`, g);
    row(l.layer, 'dL/dx', l.inputGradient);
  }
  for (const m of c.movingStats) row(m.weight.split('/')[0]!, m.weight.split('/').at(-1)!, m);
  return rows;
}

/** The last trained model through both engines (TF.js's backend as configured by the caller). */
export async function labCrosscheck(last: LabModel): Promise<CrosscheckResult> {
  const { job, seed, weights, x, labels, rng } = checkBatch(last);
  const custom = new Sequential(job.spec, { seed, backend: new JsBackend() });
  custom.compile({ optimizer: job.optimizer });
  custom.setWeights(weights);
  const reference = await TfReference.create(job.spec, { optimizer: job.optimizer });
  try {
    reference.setWeights(weights);
    const c = compareBatch(custom, reference, x, labels, rng.fork(3));
    return {
      model: job.name,
      tfBackend: reference.backend,
      skipped: reference.backendInfo.skipped,
      batch: c.batchSize,
      loss: c.loss,
      rows: crosscheckRows(c),
      ok: c.ok,
    };
  } finally {
    reference.dispose();
    custom.dispose();
  }
}
