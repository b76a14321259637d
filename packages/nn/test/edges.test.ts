/**
 * The engine's edges, each pinned by a test because mutation testing (pnpm mutation) showed no
 * test would notice a change there: argument checks and their messages, the explain formulas,
 * the fit loop's events, clock arithmetic and validation options, EarlyStopping's less used
 * options, History.bestEpoch's ties, the loss helpers on buffers longer than the batch, and
 * Dropout's and the optimizers' bookkeeping.
 */
import { JsBackend, Rng } from '@fmnist/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EarlyStopping, History } from '../src/callbacks.js';
import {
  BATCH_NORMALIZATION_FORMULA,
  BatchNormalization,
} from '../src/layers/batch-normalization.js';
import { DENSE_FORMULA, Dense } from '../src/layers/dense.js';
import { DROPOUT_FORMULA, Dropout, drawDropoutMasks, keepUnit } from '../src/layers/dropout.js';
import { FLATTEN_FORMULA, Flatten } from '../src/layers/flatten.js';
import type { LayerContext } from '../src/layers/layer.js';
import {
  argmaxRow,
  argmaxRows,
  countCorrect,
  crossEntropyGradProbs,
  crossEntropySum,
  LOSS_FORMULA,
  softmaxCrossEntropyGradLogits,
} from '../src/losses.js';
import { Adam, createOptimizer, OPTIMIZER_FORMULA, RMSprop, SGD } from '../src/optimizers.js';
import { Sequential } from '../src/sequential.js';
import type { BatchTotals, TrainingEngine } from '../src/train/engine.js';
import { type BatchEvent, type EpochEvent, fit } from '../src/train/fit.js';
import { runEarlyStopping } from './helpers/early-stopping.js';
import { expectClose as expectGradClose, numericalGradient } from './helpers/gradcheck.js';

const ctx = (dtype: 'float32' | 'float64' = 'float64'): LayerContext => ({
  backend: new JsBackend(),
  dtype,
  rng: new Rng(1),
});

describe('the formulas explain shows', () => {
  it.each([
    ['Dense', DENSE_FORMULA],
    ['BatchNormalization', BATCH_NORMALIZATION_FORMULA],
    ['Dropout', DROPOUT_FORMULA],
    ['Flatten', FLATTEN_FORMULA],
    ['Sparse categorical cross-entropy', LOSS_FORMULA],
    ['Optimizers', OPTIMIZER_FORMULA],
  ])('%s: names what it explains, trimmed of the template’s newlines', (name, formula) => {
    expect(formula.startsWith(name)).toBe(true);
    expect(formula).not.toMatch(/^\s|\s$/);
    expect(formula.split('\n').length).toBeGreaterThan(2);
  });
});

describe('argument checks say what is wrong', () => {
  it('Dropout needs a rate in [0, 1)', () => {
    for (const rate of [-0.1, 1, Number.NaN]) {
      expect(() => new Dropout('d', [3], rate, ctx())).toThrow(
        `d (Dropout) needs a rate in [0, 1), got ${rate}.`,
      );
    }
    for (const rate of [0, 0.999]) expect(new Dropout('d', [3], rate, ctx()).rate).toBe(rate);
  });

  it('Dense and BatchNormalization need flat rows', () => {
    expect(() => new Dense('dense', [2, 3], 4, 'relu', true, ctx())).toThrow(
      'dense (Dense) expects flat input rows but got shape [2, 3]; put a flatten layer before it in the model spec.',
    );
    expect(() => new BatchNormalization('bn', [2, 3], 0.99, 1e-3, ctx())).toThrow(
      'bn (BatchNormalization) expects flat input rows but got shape [2, 3]; put it after a Dense layer.',
    );
  });

  it('the optimizers check their settings', () => {
    expect(() => new SGD(0)).toThrow('SGD learningRate must be a positive number, got 0.');
    expect(() => new Adam({ learningRate: -1 })).toThrow(
      'Adam learningRate must be a positive number, got -1.',
    );
    for (const [key, value] of [
      ['beta1', -0.1],
      ['beta1', 1],
      ['beta2', Number.NaN],
    ] as const) {
      expect(() => new Adam({ [key]: value })).toThrow(
        `Adam ${key} must be in [0, 1), got ${value}.`,
      );
    }
    expect(new Adam({ beta1: 0, beta2: 0 }).beta1).toBe(0);
    expect(() => createOptimizer({ type: 'adagrad' } as never)).toThrow(
      "Unknown optimizer type 'adagrad'; use 'sgd', 'adam' or 'rmsprop'.",
    );
    expect(() => new SGD(0.1, { momentum: 1 })).toThrow('SGD momentum must be in [0, 1), got 1.');
    expect(() => new SGD(0.1, { momentum: -0.1 })).toThrow(
      'SGD momentum must be in [0, 1), got -0.1.',
    );
    expect(() => new RMSprop({ rho: 1 })).toThrow('RMSprop rho must be in [0, 1), got 1.');
    expect(() => new RMSprop({ momentum: Number.NaN })).toThrow(
      'RMSprop momentum must be in [0, 1), got NaN.',
    );
    expect(() => new RMSprop({ learningRate: 0 })).toThrow(
      'RMSprop learningRate must be a positive number, got 0.',
    );
    // Keras 3's defaults: SGD(momentum=0.0, nesterov=False); RMSprop(0.001, rho=0.9, momentum=0.0, epsilon=1e-07, centered=False).
    const sgd = new SGD(0.1);
    expect([sgd.momentum, sgd.nesterov]).toEqual([0, false]);
    const rms = new RMSprop();
    expect([rms.learningRate, rms.rho, rms.momentum, rms.epsilon, rms.centered]).toEqual([
      0.001,
      0.9,
      0,
      1e-7,
      false,
    ]);
  });

  it('EarlyStopping checks patience, its monitor and its model', () => {
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(
      'EarlyStopping patience must be >= 0, got -1.',
    );
    expect(() => new EarlyStopping({ patience: Number.NaN })).toThrow(/patience must be >= 0/);
    expect(() => new EarlyStopping({ monitor: 'val_f1' })).toThrow(
      "EarlyStopping cannot tell whether 'val_f1' should go up or down; pass mode: 'min' or mode: 'max'.",
    );
    // Only a leading val_ is dropped to find the metric.
    expect(() => new EarlyStopping({ monitor: 'loval_ss' })).toThrow(/cannot tell/);
    const es = new EarlyStopping();
    es.onTrainBegin();
    expect(() => es.onEpochEnd(0, { val_loss: 1 })).toThrow(
      'EarlyStopping has no model; pass it in fit({ callbacks: [...] }) or call setModel(model).',
    );
  });
});

describe('layer names and bookkeeping', () => {
  it('class names and weight names are Keras’s', () => {
    expect(new Dropout('d', [3], 0.5, ctx()).className).toBe('Dropout');
    const bn = new BatchNormalization('batch_normalization', [2], 0.99, 1e-3, ctx());
    expect(bn.className).toBe('BatchNormalization');
    expect(bn.weights.map((w) => w.name)).toEqual([
      'batch_normalization/gamma',
      'batch_normalization/beta',
      'batch_normalization/moving_mean',
      'batch_normalization/moving_variance',
    ]);
    expect(bn.countParams()).toBe(8);
  });

  it('backward without an input gradient returns null, for every layer', () => {
    const layers = [
      new Dense('dense', [2], 3, 'relu', true, ctx()),
      new BatchNormalization('bn', [2], 0.99, 1e-3, ctx()),
      new Dropout('d', [2], 0.5, ctx()),
      new Flatten('f', [1, 2]),
    ];
    for (const layer of layers) {
      layer.allocate(2);
      layer.forward(Float64Array.of(1, 2, 3, 4), 2, true);
      const dy = new Float64Array(2 * layer.outputSize).fill(1);
      expect(layer.backward(dy, 2, false), layer.name).toBeNull();
    }
  });

  it('allocate grows buffers and never shrinks them', () => {
    const dense = new Dense('dense', [2], 3, 'linear', false, ctx());
    dense.allocate(4);
    dense.allocate(2);
    const y = dense.forward(new Float64Array(8).fill(1), 4);
    expect(y).toHaveLength(12);
  });

  it('Dropout reports its last training mask, and none before, in inference or at rate 0', () => {
    const d = new Dropout('d', [4], 0.5, ctx());
    d.allocate(2);
    expect(d.lastKeepMask(2)).toBeNull();
    const x = Float64Array.from({ length: 8 }, (_, i) => i + 1);
    const y = d.forward(x, 2, true);
    const mask = d.lastKeepMask(2)!;
    expect(Array.from(mask)).toEqual(Array.from(y, (v) => (v !== 0 ? 1 : 0)));
    expect(mask.some((m) => m === 0) && mask.some((m) => m === 1)).toBe(true);
    d.forward(x, 2, false);
    expect(d.lastKeepMask(2)).toBeNull();
    const none = new Dropout('z', [4], 0, ctx());
    none.allocate(2);
    expect(none.forward(x, 2, true)).toBe(x);
    expect(none.lastKeepMask(2)).toBeNull();
  });

  it('masks draw one number per unit, site after site and batch after batch', () => {
    const masks = drawDropoutMasks(
      [
        { name: 'b', units: 3, rate: 0.5 },
        { name: 'c', units: 3, rate: 0.5 },
      ],
      2,
      new Rng(9),
    );
    const rng = new Rng(9);
    const draws = Array.from({ length: 12 }, () => (keepUnit(rng, 0.5) ? 1 : 0));
    expect([...masks.b!, ...masks.c!]).toEqual(draws);
    // A layer's own masks: the same stream, one draw per unit of each batch.
    const d = new Dropout('d', [3], 0.5, { ...ctx(), rng: new Rng(9) });
    d.allocate(2);
    const x = new Float64Array(6).fill(1);
    d.forward(x, 2, true);
    const first = Array.from(d.lastKeepMask(2)!);
    d.forward(x, 2, true);
    expect([...first, ...d.lastKeepMask(2)!]).toEqual(draws);
  });

  it('drawDropoutMasks: no mask at rate 0, a full 0/1 mask otherwise', () => {
    const masks = drawDropoutMasks(
      [
        { name: 'a', units: 50, rate: 0 },
        { name: 'b', units: 50, rate: 0.5 },
      ],
      4,
      new Rng(3),
    );
    expect(Object.keys(masks)).toEqual(['b']);
    const b = masks.b!;
    expect(b).toHaveLength(200);
    const kept = b.reduce((s, v) => s + v, 0);
    expect(kept).toBeGreaterThan(60);
    expect(kept).toBeLessThan(140);
    expect(b.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('SGD counts its steps; Adam keeps one m and v per weight however many steps', () => {
    const p = { value: Float64Array.of(1), grad: Float64Array.of(1), name: 'w' };
    const sgd = new SGD(0.1);
    expect(sgd.countVariables()).toBe(0);
    sgd.applyGradients([p as never]);
    sgd.applyGradients([p as never]);
    expect(sgd.iterations).toBe(2);
    expect(sgd.countVariables()).toBe(2);
    const adam = new Adam();
    adam.applyGradients([p as never]);
    const after1 = adam.countVariables();
    adam.applyGradients([p as never]);
    adam.applyGradients([p as never]);
    expect(adam.countVariables()).toBe(after1);
    expect(after1).toBe(4);
  });
});

describe('loss helpers read only the batch’s rows', () => {
  // Two rows of three classes, then a third row and label that must be ignored.
  const probs = Float64Array.of(0.2, 0.5, 0.3, 0.6, 0.3, 0.1, 0.9, 0.05, 0.05);
  const labels = [1, 0, 2];

  it('crossEntropySum and countCorrect', () => {
    expect(crossEntropySum(probs, labels, 2, 3)).toBeCloseTo(-Math.log(0.5) - Math.log(0.6), 12);
    expect(countCorrect(probs, labels, 2, 3)).toBe(2);
    expect(countCorrect(probs, [0, 1], 2, 3)).toBe(0);
  });

  it('crossEntropyGradProbs zeroes the whole batch and leaves the rest, clip edges excluded', () => {
    const out = new Float64Array(9).fill(7);
    crossEntropyGradProbs(probs, labels, 2, 3, out);
    expect(Array.from(out)).toEqual([0, -1 / (2 * 0.5), 0, -1 / (2 * 0.6), 0, 0, 7, 7, 7]);
    // At the clip bounds themselves the clipped loss is flat: no gradient.
    const edge = Float64Array.of(1e-7, 1 - 1e-7);
    const g = new Float64Array(2);
    crossEntropyGradProbs(edge, [0], 1, 2, g);
    expect(g[0]).toBe(0);
    crossEntropyGradProbs(edge, [1], 1, 2, g);
    expect(g[1]).toBe(0);
  });

  it('softmaxCrossEntropyGradLogits writes (p − onehot)/B for the batch only', () => {
    const out = new Float64Array(9).fill(7);
    softmaxCrossEntropyGradLogits(probs, labels, 2, 3, out);
    expect(Array.from(out.subarray(6))).toEqual([7, 7, 7]);
    expect(out[1]).toBeCloseTo((0.5 - 1) / 2, 15);
    expect(out[3]).toBeCloseTo((0.6 - 1) / 2, 15);
    expect(out[0]).toBeCloseTo(0.1, 15);
  });

  it('argmax takes the first of equal entries; argmaxRows does whole rows only', () => {
    expect(argmaxRow([0.4, 0.4, 0.2], 0, 3)).toBe(0);
    expect(argmaxRow([0.1, 0.45, 0.45], 0, 3)).toBe(1);
    const out = argmaxRows(Float64Array.of(0.1, 0.9, 0.8, 0.2, 0.5), 2);
    expect(Array.from(out)).toEqual([1, 0]);
    const longer = new Int32Array(4).fill(9);
    argmaxRows(Float64Array.of(0.1, 0.9, 0.8, 0.2), 2, longer, 1);
    expect(Array.from(longer)).toEqual([9, 1, 0, 9]);
  });
});

describe('History.bestEpoch', () => {
  it('is 1-based, takes the first of ties, minimises or maximises, and is 0 for nothing', () => {
    const h = new History();
    for (const [e, v] of [0.5, 0.4, 0.4, 0.7].entries()) h.record(e, { val_loss: v, acc: v });
    expect(h.bestEpoch()).toBe(2);
    expect(h.bestEpoch('acc', 'max')).toBe(4);
    expect(h.bestEpoch('missing')).toBe(0);
    const flat = new History();
    for (const e of [0, 1, 2]) flat.record(e, { acc: 0.5 });
    expect(flat.bestEpoch('acc', 'max')).toBe(1);
    expect(flat.bestEpoch('acc', 'min')).toBe(1);
  });
});

const stopping = runEarlyStopping;

describe('EarlyStopping, the less used options', () => {
  it('maximises in max mode, minDelta included', () => {
    const r = stopping([0.5, 0.6, 0.55, 0.54, 0.9], { monitor: 'val_accuracy', patience: 2 });
    expect(r.es.mode).toBe('max');
    expect(r.epochsRun).toBe(4);
    expect(r.es.bestEpoch).toBe(1);
    expect(r.es.best).toBe(0.6);
    const small = stopping([0.5, 0.55, 0.58], {
      monitor: 'val_accuracy',
      mode: 'max',
      patience: 1,
      minDelta: 0.1,
    });
    expect(small.epochsRun).toBe(2);
  });

  it('in max mode an equal value is no improvement either', () => {
    expect(stopping([0.5, 0.5, 0.5], { monitor: 'val_accuracy', patience: 0 }).epochsRun).toBe(2);
  });

  it('with a baseline, an improvement that misses it does not reset the wait', () => {
    // Keras: the wait keeps counting through improvements that stay above the baseline.
    expect(stopping([1.0, 0.9, 0.95, 0.96], { patience: 2, baseline: 0.5 }).epochsRun).toBe(3);
    expect(stopping([1.0, 0.9, 0.95, 0.96], { patience: 2 }).epochsRun).toBe(4);
    expect(stopping([1.0, 0.4, 0.45, 0.46], { patience: 2, baseline: 0.5 }).epochsRun).toBe(4);
  });

  it('ignores epochs before startFromEpoch and epochs without the monitored value', () => {
    expect(stopping([1.0, 2.0, 3.0, 0.5], { patience: 0, startFromEpoch: 2 }).epochsRun).toBe(4);
    expect(stopping([undefined, undefined, undefined], { patience: 0 }).epochsRun).toBe(3);
  });

  it('never stops after the first epoch, and restores the first weights if nothing improved', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(stopping([inf, 1, 0.5], { patience: 0 }).epochsRun).toBe(3);
    const r = stopping([inf, inf, inf], { patience: 5, restoreBestWeights: true });
    expect(r.weightsEpoch).toBe(0);
    expect(r.es.bestEpoch).toBe(0);
    expect(stopping([1, 0.5], { patience: 5 }).es.bestWeights).toBeNull();
  });
});

/** A TrainingEngine that records what fit hands it; each sample's loss is its label. */
class RecordingEngine implements TrainingEngine {
  readonly inputSize = 2;
  stopTraining = false;
  batches: { x: number[]; y: number[]; batch: number }[] = [];
  evaluateOptions: unknown[] = [];
  readonly #totals: BatchTotals = { lossSum: 0, correct: 0 };
  trainBatch(x: Float32Array, y: Int32Array, batch: number): BatchTotals {
    clock += 10;
    if (this.batches.length === 0) clock += 90; // a slow first step, as a JIT warm-up
    this.batches.push({ x: Array.from(x), y: Array.from(y), batch });
    this.#totals.lossSum = y.reduce((s, v) => s + v, 0);
    this.#totals.correct = y.filter((v) => v % 2 === 0).length;
    return this.#totals;
  }
  evaluate(_x: unknown, _y: unknown, options?: { batchSize?: number }) {
    this.evaluateOptions.push(options);
    clock += 5;
    return { loss: 0.25, accuracy: 0.75 };
  }
  getWeights() {
    return [];
  }
  setWeights() {}
}

// Not 0, so that a sum of two clock readings cannot pass for their difference.
let clock = 1000;
afterEach(() => vi.restoreAllMocks());

describe('fit, as a loop', () => {
  const x = Float32Array.from({ length: 10 }, (_, i) => i);
  const y = Int32Array.of(0, 1, 2, 3, 4);

  it('checks its counts and inputs, with messages', async () => {
    const e = new RecordingEngine();
    await expect(fit(e, x, y, { epochs: -1 })).rejects.toThrow(
      'epochs must be an integer >= 0, got -1.',
    );
    await expect(fit(e, x, y, { batchSize: 0 })).rejects.toThrow(
      'batchSize must be an integer >= 1, got 0.',
    );
    await expect(fit(e, new Float32Array(0), [])).rejects.toThrow(
      'fit got no samples; pass at least one.',
    );
    await expect(fit(e, x.subarray(0, 9), y)).rejects.toThrow(
      'fit got 9 input values for 5 labels of 2 values each; pass one sample per label.',
    );
    await expect(fit(e, x, y, { batchOrder: () => [0, 1] })).rejects.toThrow(
      'batchOrder returned 2 indices for 5 samples; return one per sample.',
    );
    for (const bad of [-1, 5, 1.5]) {
      await expect(fit(e, x, y, { batchOrder: () => [0, 1, 2, 3, bad] })).rejects.toThrow(
        `batchOrder returned index ${bad} at position 4; indices must be integers in [0, 4].`,
      );
    }
    expect((await fit(e, x, y, { epochs: 0 })).epoch).toEqual([]);
    expect(e.batches).toHaveLength(0);
  });

  it('gathers rows in order without shuffle, the last batch short; batch size 1 works', async () => {
    const e = new RecordingEngine();
    await fit(e, x, y, { batchSize: 2, shuffle: false });
    expect(e.batches).toEqual([
      { x: [0, 1, 2, 3], y: [0, 1], batch: 2 },
      { x: [4, 5, 6, 7], y: [2, 3], batch: 2 },
      { x: [8, 9], y: [4], batch: 1 },
    ]);
    const one = new RecordingEngine();
    await fit(one, x, y, { batchSize: 1, batchOrder: () => [4, 3, 2, 1, 0] });
    expect(one.batches.map((b) => b.y[0])).toEqual([4, 3, 2, 1, 0]);
  });

  it('reports per batch and per epoch: running means, times by the clock, copies of the logs', async () => {
    clock = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const e = new RecordingEngine();
    const batches: BatchEvent[] = [];
    const epochs: EpochEvent[] = [];
    const seen: number[] = [];
    await fit(e, x, y, {
      batchSize: 2,
      shuffle: false,
      validationData: [x, y],
      onBatchEnd: (b) => {
        batches.push(b);
      },
      onEpochEnd: (ev) => {
        epochs.push(ev);
      },
      callbacks: [{}, { onBatchEnd: (step) => seen.push(step) }],
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(batches.map((b) => [b.batch, b.steps, b.logs.loss, b.logs.accuracy])).toEqual([
      [0, 3, 0.5, 0.5],
      [1, 3, 1.5, 0.5],
      [2, 3, 2, 0.6],
    ]);
    // Steps take 100 ms (the first), then 10 ms: the per-step estimate leaves the first out.
    expect(batches.map((b) => b.elapsedSeconds)).toEqual([0.1, 0.11, 0.12]);
    expect(batches[0]!.secondsPerStep).toBeCloseTo(0.1, 12);
    expect(batches[2]!.secondsPerStep).toBeCloseTo(0.01, 12);
    const [epoch] = epochs;
    expect(epoch!.logs).toEqual({ accuracy: 0.6, loss: 2, val_accuracy: 0.75, val_loss: 0.25 });
    expect(epoch!.elapsedSeconds).toBeCloseTo(0.125, 12);
    expect(epoch!.secondsPerStep).toBeCloseTo(0.01, 12);
    expect(e.evaluateOptions).toEqual([{ batchSize: 2 }]);
  });

  it('fires batch events for a callback that has onBatchEnd when fit has none', async () => {
    const seen: number[] = [];
    await fit(new RecordingEngine(), x, y, {
      batchSize: 2,
      callbacks: [{}, { onBatchEnd: (step) => seen.push(step) }],
    });
    expect(seen).toEqual([0, 1, 2]);
  });

  it('leaves accuracy out when asked, and fires no batch events nobody listens to', async () => {
    const e = new RecordingEngine();
    const logs: Record<string, number>[] = [];
    const history = await fit(e, x, y, {
      accuracy: false,
      validationData: [x, y],
      callbacks: [{ onEpochEnd: (_epoch, l) => void logs.push(l) }],
    });
    expect(Object.keys(history.history).sort()).toEqual(['loss', 'val_loss']);
    expect(Object.keys(logs[0]!).sort()).toEqual(['loss', 'val_loss']);
  });
});

describe('the loss head', () => {
  it('a model ending in Dense+softmax passes p − onehot even where the clip would stop it (Keras on TensorFlow)', () => {
    const spec = {
      name: 'confident',
      inputShape: [1],
      layers: [{ type: 'dense' as const, units: 2, activation: 'softmax' as const }],
    };
    const m = new Sequential(spec, { seed: 1, dtype: 'float64' });
    m.compile({ optimizer: { type: 'sgd', learningRate: 0.1 } });
    // Logits 0 and 40 for input 1: p(label 0) = e^-40, far below the clip at 1e-7.
    m.setWeights([Float64Array.of(0, 40), Float64Array.of(0, 0)]);
    m.step(Float64Array.of(1), [0], { apply: false }).loss;
    const [kernelGrad] = m.getGradients();
    expect(kernelGrad![0]).toBeCloseTo(-1, 12);
    expect(kernelGrad![1]).toBeCloseTo(1, 12);
  });

  it('any other last layer trains through the unfused head: dL/dp, then the layers’ own backward', () => {
    const spec = {
      name: 'unfused',
      inputShape: [3],
      layers: [
        { type: 'dense' as const, units: 4, activation: 'softmax' as const },
        { type: 'dropout' as const, rate: 0 },
      ],
    };
    const m = new Sequential(spec, { seed: 2, dtype: 'float64' });
    m.compile({ optimizer: { type: 'sgd', learningRate: 0.1 } });
    const x = Float64Array.of(0.5, -1, 2, 1.5, 0.25, -0.75);
    const labels = [1, 3];
    const loss = () => crossEntropySum(m.forward(x, { training: true }), labels, 2, 4) / 2;
    const before = loss();
    expect(m.step(x, labels, { apply: false }).loss).toBeCloseTo(before, 12);
    const grads = m.getGradients().map((g) => Float64Array.from(g));
    m.trainableWeights.forEach((w, k) => {
      expectGradClose(grads[k]!, numericalGradient(w.value, loss), w.name);
    });
    // A batch 15 times larger: the head's dL/dp buffer must grow with it.
    const big = Float64Array.from({ length: 30 * 3 }, (_, i) => x[i % 6]! * (1 + (i % 5) / 10));
    const bigLabels = Array.from({ length: 30 }, (_, i) => i % 4);
    const bigLoss = () =>
      crossEntropySum(m.forward(big, { training: true }), bigLabels, 30, 4) / 30;
    m.step(big, bigLabels, { apply: false }).loss;
    const bigGrads = m.getGradients().map((g) => Float64Array.from(g));
    m.trainableWeights.forEach((w, k) => {
      expectGradClose(bigGrads[k]!, numericalGradient(w.value, bigLoss), `${w.name}, batch 30`);
    });
  });
});

describe('the unfused head on a batch past the default capacity', () => {
  it('a linear last layer: dL/dp = −1/(B·p) at the label, the taps say so, gradients match finite differences', () => {
    const spec = {
      name: 'linear-head',
      inputShape: [3],
      layers: [{ type: 'dense' as const, units: 2, activation: 'linear' as const }],
    };
    const m = new Sequential(spec, { seed: 4, dtype: 'float64' });
    m.compile({ optimizer: { type: 'sgd', learningRate: 0.1 } });
    // Outputs in (0, 1) so the cross-entropy of the raw outputs is defined and unclipped.
    m.setWeights([Float64Array.of(0.1, 0.2, 0.05, 0.1, 0.1, 0.05), Float64Array.of(0.3, 0.3)]);
    const batch = 40;
    const x = Float64Array.from({ length: batch * 3 }, (_, i) => ((i * 7) % 10) / 10);
    const labels = Array.from({ length: batch }, (_, i) => i % 2);
    const loss = () => crossEntropySum(m.forward(x, { training: true }), labels, batch, 2) / batch;
    m.step(x, labels, { apply: false }).loss;
    const grads = m.getGradients().map((g) => Float64Array.from(g));
    m.trainableWeights.forEach((w, k) => {
      expectGradClose(grads[k]!, numericalGradient(w.value, loss), w.name);
    });
    const taps = m.step(x, labels, { apply: false, taps: true }).taps!;
    const p = taps.outputs[0]!;
    const dp = taps.gradOutputs[0]!;
    for (let r = 0; r < batch; r++) {
      const label = labels[r]!;
      expect(dp[r * 2 + label]).toBeCloseTo(-1 / (batch * p[r * 2 + label]!), 5);
      expect(dp[r * 2 + 1 - label]).toBe(0);
    }
  });
});

describe('the js backend', () => {
  it('names and describes itself', () => {
    const js = new JsBackend();
    expect(js.name).toBe('js');
    expect(js.describe?.()).toBe('js: plain JavaScript loops (the reference), float32 or float64');
  });
});

describe('forward from a later layer', () => {
  const spec = {
    name: 'probe',
    inputShape: [6],
    layers: [
      { type: 'dense' as const, units: 5, activation: 'relu' as const },
      { type: 'batchNormalization' as const },
      { type: 'dense' as const, units: 3, activation: 'softmax' as const },
    ],
  };
  const x = Float64Array.from({ length: 4 * 6 }, (_, i) => Math.sin(i));

  it('gives a full pass’s bits after a later layer’s weight changes; earlier outputs are reused', () => {
    const m = new Sequential(spec, { seed: 3, dtype: 'float64' });
    const full = () => Float64Array.from(m.forward(x, { training: true }));
    full();
    const last = m.layers[2] as Dense;
    last.kernel.value[4] = last.kernel.value[4]! + 0.25;
    m.weightsChanged(last.kernel);
    const fromLast = Float64Array.from(m.forward(x, { training: true, fromLayer: 2 }));
    expect(Array.from(fromLast)).toEqual(Array.from(full()));
    // The earlier layers' outputs are taken as they are: after a change to the first layer,
    // a forward from layer 2 still sees its old output (the caller's duty, as the method says).
    const first = m.layers[0] as Dense;
    first.kernel.value[0] = first.kernel.value[0]! + 1;
    m.weightsChanged(first.kernel);
    const stale = Float64Array.from(m.forward(x, { training: true, fromLayer: 2 }));
    expect(Array.from(stale)).toEqual(Array.from(fromLast));
    expect(Array.from(full())).not.toEqual(Array.from(fromLast));
  });

  it('names the layers it accepts', () => {
    const m = new Sequential(spec, { seed: 3, dtype: 'float64' });
    for (const bad of [-1, 3, 1.5]) {
      expect(() => m.forward(x, { fromLayer: bad })).toThrow(
        `forward's fromLayer must be a layer index in [0, 2], got ${bad}.`,
      );
    }
  });
});
