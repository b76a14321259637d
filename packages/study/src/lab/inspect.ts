/**
 * Inside a layer, as the page shows it: for one batch, each layer's output, the gradient
 * arriving at it (dL/dy) and the gradient it passes down (dL/dx), each as its statistics and a
 * histogram; BatchNormalization's parameters and moving statistics. The lab page's worker
 * computes the views, the page draws them.
 */
import { JsBackend } from '@fmnist/core';
import { BatchNormalization, Sequential } from '@fmnist/nn';
import { type Stats, stats } from '../explain/stats.js';
import type { ModelJob } from '../models.js';
import type { CropSets } from '../trainer.js';

export interface Histogram {
  min: number;
  max: number;
  /** counts[i]: values in [min + i·w, min + (i+1)·w), the last bin closed; w = (max − min)/bins. */
  counts: number[];
}

export interface Distribution {
  stats: Stats;
  histogram: Histogram;
  count: number;
}

export interface LayerView {
  name: string;
  className: string;
  output: Distribution;
  gradOutput: Distribution;
  gradInput: Distribution;
  /** BatchNormalization: γ, β, moving mean and variance, one line each. */
  parameters: { name: string; stats: Stats }[];
}

/** `bins` equal bins over [min, max]; every value lands in one (NaN and ±∞ are not counted). */
export function histogram(values: ArrayLike<number>, bins = 24): Histogram {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const counts = new Array<number>(bins).fill(0);
  if (min > max) return { min: 0, max: 0, counts };
  const width = (max - min) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const bin = width === 0 ? 0 : Math.min(bins - 1, Math.floor((v - min) / width));
    counts[bin]!++;
  }
  return { min, max, counts };
}

export function distributionOf(values: ArrayLike<number>, bins = 24): Distribution {
  return { stats: stats(values), histogram: histogram(values, bins), count: values.length };
}

/** `mean 0.0123 · std 0.456 · min −1.23 · max 2.34 · 41.2% zero`, as the page prints a summary. */
export function summaryLine(s: Stats): string {
  const n = (x: number) =>
    Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toFixed(4);
  return `mean ${n(s.mean)} · std ${n(s.std)} · min ${n(s.min)} · max ${n(s.max)} · ${(100 * s.fractionZero).toFixed(1)}% zero`;
}

/** Rows of the inspection batch: the first training images of the crop. */
export const INSPECT_BATCH = 32;

/**
 * Every layer of the model, on the inspection batch, through a js copy of its current weights:
 * returns a function that views a model (of this spec) as it is now.
 */
export function layerInspector(
  spec: ModelJob['spec'],
  seed: number,
  sets: CropSets,
): (model: Sequential) => LayerView[] {
  const probe = new Sequential(spec, { seed, backend: new JsBackend() });
  probe.compile({ optimizer: { type: 'sgd', learningRate: 1 } });
  const rows = Math.min(INSPECT_BATCH, sets.train.y.length);
  const size = sets.train.shape[1] * sets.train.shape[2];
  const x = sets.train.x.slice(0, rows * size);
  const y = Int32Array.from(sets.train.y.subarray(0, rows));
  return (model) => {
    // On gpujs:gl this reads the weights back from the GPU: twice a second at most.
    probe.setWeights(model.getWeights());
    // Training mode, as the optimizer sees it: batch statistics, dropout's own draw.
    const taps = probe.step(x, y, { apply: false, taps: true }).taps!;
    return probe.layers.map((layer, i) => ({
      name: layer.name,
      className: layer.className,
      output: distributionOf(taps.outputs[i]!),
      gradOutput: distributionOf(taps.gradOutputs[i]!),
      gradInput: distributionOf(taps.gradInputs[i]!),
      parameters:
        layer instanceof BatchNormalization
          ? [layer.gamma, layer.beta, layer.movingMean, layer.movingVariance].map((w) => ({
              name: w.name.split('/').at(-1)!,
              stats: stats(model.weights.find((m) => m.name === w.name)!.value),
            }))
          : [],
    }));
  };
}
