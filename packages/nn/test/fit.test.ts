/**
 * nn's one epoch loop, observed through a recording engine: the order it visits the samples in
 * (Keras reshuffles every epoch, seeded), the short last batch, the running means, and
 * EarlyStopping's restore of the best epoch's weights at the end of fit.
 */
import type { FloatArray } from '@fmnist/core';
import { describe, expect, it } from 'vitest';
import { EarlyStopping } from '../src/callbacks.js';
import type { BatchTotals, EvaluateResult, TrainingEngine } from '../src/train/engine.js';
import { EpochShuffle, fit } from '../src/train/fit.js';

/** One input value per sample: its index, so the batches say which samples they hold. */
function indexed(samples: number): { x: Float32Array; y: Int32Array } {
  return {
    x: Float32Array.from({ length: samples }, (_, i) => i),
    y: Int32Array.from({ length: samples }, (_, i) => i % 3),
  };
}

/** Records each epoch's visiting order; its one weight counts the steps taken. */
class RecordingEngine implements TrainingEngine {
  readonly inputSize = 1;
  stopTraining = false;
  readonly epochs: number[][] = [];
  readonly batchSizes: number[] = [];
  weight = 0;
  validationLosses: number[] = [];
  #validations = 0;

  getWeights(): FloatArray[] {
    return [Float32Array.of(this.weight)];
  }

  setWeights(weights: readonly ArrayLike<number>[]): void {
    this.weight = weights[0]![0]!;
  }

  trainBatch(x: FloatArray, y: Int32Array, batch: number): BatchTotals {
    expect(x.length).toBe(batch);
    expect(y.length).toBe(batch);
    if (this.epochs.length === 0 || this.#validations === this.epochs.length) this.epochs.push([]);
    this.epochs.at(-1)!.push(...Array.from(x));
    this.batchSizes.push(batch);
    this.weight += 1;
    // loss sum = batch (mean loss 1), one correct answer per batch.
    return { lossSum: batch, correct: 1 };
  }

  evaluate(): EvaluateResult {
    const loss = this.validationLosses[this.#validations] ?? 1;
    this.#validations++;
    return { loss, accuracy: 0.5 };
  }
}

const isPermutation = (order: readonly number[], n: number) =>
  order.length === n && [...order].sort((a, b) => a - b).every((v, i) => v === i);

describe('fit reshuffles every epoch', () => {
  it('each epoch visits a permutation of the samples, a different one each epoch', async () => {
    const { x, y } = indexed(50);
    const engine = new RecordingEngine();
    await fit(engine, x, y, { epochs: 4, batchSize: 8, seed: 11, validationData: [x, y] });
    expect(engine.epochs).toHaveLength(4);
    for (const order of engine.epochs) expect(isPermutation(order, 50)).toBe(true);
    const distinct = new Set(engine.epochs.map((o) => o.join(',')));
    expect(distinct.size).toBe(4);
    expect(engine.epochs[0]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    // batches of 8 and a short last one of 2, every epoch
    expect(engine.batchSizes.slice(0, 7)).toEqual([8, 8, 8, 8, 8, 8, 2]);
  });

  it('the same seed repeats the orders; another seed gives others; shuffle: false keeps order', async () => {
    const { x, y } = indexed(30);
    const run = async (options: { seed: number; shuffle?: boolean }) => {
      const engine = new RecordingEngine();
      await fit(engine, x, y, { epochs: 3, batchSize: 7, validationData: [x, y], ...options });
      return engine.epochs;
    };
    expect(await run({ seed: 5 })).toEqual(await run({ seed: 5 }));
    expect(await run({ seed: 6 })).not.toEqual(await run({ seed: 5 }));
    const plain = await run({ seed: 5, shuffle: false });
    for (const order of plain) expect(order).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it("is nn's one EpochShuffle, which both engines and the cross-check go through", async () => {
    const { x, y } = indexed(20);
    const engine = new RecordingEngine();
    await fit(engine, x, y, { epochs: 2, batchSize: 20, seed: 9, validationData: [x, y] });
    const shuffle = new EpochShuffle(9, 20);
    expect(engine.epochs[0]).toEqual(Array.from(shuffle.next()));
    expect(engine.epochs[1]).toEqual(Array.from(shuffle.next()));
  });

  it('reports running means weighted by batch size', async () => {
    const { x, y } = indexed(10);
    const engine = new RecordingEngine();
    const history = await fit(engine, x, y, { epochs: 1, batchSize: 4, seed: 1 });
    // three batches (4, 4, 2), one correct each: accuracy 3/10; loss sum 10 over 10 samples.
    expect(history.history.accuracy).toEqual([0.3]);
    expect(history.history.loss).toEqual([1]);
  });
});

describe('EarlyStopping through fit', () => {
  it('stops after `patience` epochs without improvement and restores the best epoch weights', async () => {
    const { x, y } = indexed(12);
    const engine = new RecordingEngine();
    // 3 steps an epoch: the weight is 3 after epoch 1, 6 after epoch 2, ...
    engine.validationLosses = [1.0, 0.5, 0.7, 0.6, 0.9, 0.2];
    const stopper = new EarlyStopping({
      monitor: 'val_loss',
      patience: 3,
      restoreBestWeights: true,
    });
    const history = await fit(engine, x, y, {
      epochs: 10,
      batchSize: 4,
      seed: 2,
      validationData: [x, y],
      callbacks: [stopper],
    });
    // best: epoch 2 (0.5); epochs 3, 4, 5 do not beat it, so training ends after epoch 5.
    expect(history.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(stopper.stoppedEpoch).toBe(4);
    expect(stopper.bestEpoch).toBe(1);
    expect(engine.weight).toBe(6);
  });
});
