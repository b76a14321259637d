/**
 * fit: the one epoch loop, for any TrainingEngine (Keras's `fit` semantics, docs/study.md):
 *
 *   every epoch   the sample order is reshuffled (one seeded shuffle, below), or taken from
 *                 `batchOrder`; batches of `batchSize`, the last one possibly short
 *   every batch   its rows are gathered into one reused buffer, then engine.trainBatch
 *   the figures   loss and accuracy are running means over the epoch's batches, weighted by
 *                 batch size; validation runs at the end of each epoch, in inference mode
 *   callbacks     Keras's hooks (EarlyStopping among them); `stopTraining` ends the loop
 *
 * Because both engines and the cross-check's pair of them train through this loop, they see the
 * very same batches for the same seed.
 */
import { Rng } from '@fmnist/core';
import { type Callback, History, type Logs } from '../callbacks.js';
import { allocate } from '../dtype.js';
import { InvalidArgumentError } from '../errors.js';
import type { Labels } from '../losses.js';
import type { InputData, TrainingEngine } from './engine.js';

export interface BatchEvent {
  /** 0-based epoch and batch. */
  epoch: number;
  batch: number;
  steps: number;
  /** Running means over the epoch's batches so far. */
  logs: Logs;
  elapsedSeconds: number;
  /** Keras's estimate: the first step is left out once there are more. */
  secondsPerStep: number;
}

export interface EpochEvent {
  epoch: number;
  epochs: number;
  steps: number;
  /** loss, accuracy (running means over the epoch) and val_loss, val_accuracy. */
  logs: Logs;
  /** Training plus validation time of the epoch. */
  elapsedSeconds: number;
  secondsPerStep: number;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  validationData?: [InputData, Labels];
  /** Reshuffle the training set every epoch (default true). */
  shuffle?: boolean;
  /** Seeds the shuffling; default: the model's seed (0 for an engine without one). */
  seed?: number;
  callbacks?: Callback[];
  /**
   * The order in which to visit the samples in `epoch` (0-based): a permutation, or any list of
   * indices. Overrides `shuffle`.
   */
  batchOrder?: (epoch: number, samples: number) => ArrayLike<number>;
  /** Report accuracy (default true): Keras's metrics: ['accuracy']. */
  accuracy?: boolean;
  onEpochBegin?: (epoch: number) => void;
  /**
   * After every batch. When it returns a promise, fit waits for it before the next batch (the
   * lab page pauses training there), and the time waited is left out of the epoch's timings.
   */
  onBatchEnd?: (event: BatchEvent) => void | Promise<void>;
  onEpochEnd?: (event: EpochEvent) => void | Promise<void>;
}

/** The fork of the seed's Rng that shuffles the training set (one place for every engine). */
export const SHUFFLE_FORK = 0x5eed;

/**
 * The sample order of every epoch for a seed: one Rng stream, one Fisher-Yates shuffle of
 * 0..n−1 per epoch, each epoch continuing the stream (so the orders differ between epochs and
 * repeat for the same seed).
 */
export class EpochShuffle {
  readonly #rng: Rng;
  readonly #order: Uint32Array;

  constructor(seed: number, samples: number) {
    this.#rng = new Rng(seed).fork(SHUFFLE_FORK);
    this.#order = new Uint32Array(samples);
  }

  /** The next epoch's order: a view, valid until the next call. */
  next(): Uint32Array {
    const order = this.#order;
    for (let i = 0; i < order.length; i++) order[i] = i;
    this.#rng.shuffle(order);
    return order;
  }
}

export async function fit(
  engine: TrainingEngine,
  x: InputData,
  y: Labels,
  options: FitOptions = {},
  defaults: { seed?: number } = {},
): Promise<History> {
  const data = 'data' in x ? x.data : x;
  const samples = y.length;
  const inSize = engine.inputSize;
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  checkCount('epochs', epochs, 0);
  checkCount('batchSize', batchSize, 1);
  if (samples === 0) throw new InvalidArgumentError('fit got no samples; pass at least one.');
  if (data.length !== samples * inSize) {
    throw new InvalidArgumentError(
      `fit got ${data.length} input values for ${samples} labels of ${inSize} values each; ` +
        'pass one sample per label.',
    );
  }
  const withAccuracy = options.accuracy ?? true;
  const validation = options.validationData;
  const callbacks = options.callbacks ?? [];
  for (const cb of callbacks) cb.setModel?.(engine);

  engine.prepare?.(batchSize);
  const xb = allocate(engine.dtype ?? 'float32', batchSize * inSize);
  const yb = new Int32Array(batchSize);
  const order = new Uint32Array(samples);
  const shuffle = new EpochShuffle(options.seed ?? defaults.seed ?? 0, samples);
  const steps = Math.ceil(samples / batchSize);
  const history = new History();
  const epochLogs = (lossSum: number, correct: number, seen: number): Logs => {
    // Keras's loss tracker and accuracy are means over samples. Keys in Keras's (sorted) order.
    const logs: Logs = {};
    if (withAccuracy) logs.accuracy = correct / seen;
    logs.loss = lossSum / seen;
    return logs;
  };
  engine.stopTraining = false;
  const fitStart = performance.now();
  let waitedTotal = 0;

  for (const cb of callbacks) await cb.onTrainBegin?.();
  for (let epoch = 0; epoch < epochs; epoch++) {
    options.onEpochBegin?.(epoch);
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
    if (options.batchOrder) {
      copyBatchOrder(options.batchOrder(epoch, samples), order);
    } else if (options.shuffle ?? true) {
      order.set(shuffle.next());
    } else {
      for (let i = 0; i < samples; i++) order[i] = i;
    }

    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let start = performance.now();
    let afterFirstStep = start;
    const wantBatchEvents = options.onBatchEnd !== undefined || callbacks.some((c) => c.onBatchEnd);
    for (let step = 0; step < steps; step++) {
      const first = step * batchSize;
      const batch = Math.min(batchSize, samples - first);
      // Gather the batch's rows into the reused buffer (the only copy of the input): a row is
      // one typed-array copy (a memory copy when both are float32) rather than an element loop.
      for (let r = 0; r < batch; r++) {
        const idx = order[first + r]!;
        const src = idx * inSize;
        xb.set(data.subarray(src, src + inSize), r * inSize);
        yb[r] = y[idx]!;
      }
      // A short last batch is passed as views of its rows (the only allocation, once an epoch).
      const whole = batch === batchSize;
      const totals = engine.trainBatch(
        whole ? xb : xb.subarray(0, batch * inSize),
        whole ? yb : yb.subarray(0, batch),
        batch,
        { epoch: epoch + 1, step: step + 1 },
      );
      lossSum += totals.lossSum;
      correct += totals.correct;
      seen += batch;
      if (step === 0) afterFirstStep = performance.now();
      if (wantBatchEvents) {
        const logs = epochLogs(lossSum, correct, seen);
        const now = performance.now();
        const pending = options.onBatchEnd?.({
          epoch,
          batch: step,
          steps,
          logs,
          elapsedSeconds: (now - start) / 1000,
          secondsPerStep: secondsPerStep(start, afterFirstStep, now, step + 1),
        });
        for (const cb of callbacks) cb.onBatchEnd?.(step, logs);
        if (pending) {
          const waitStart = performance.now();
          await pending;
          const waited = performance.now() - waitStart;
          start += waited;
          afterFirstStep += waited;
          waitedTotal += waited;
        }
      }
    }
    const logs = epochLogs(lossSum, correct, seen);
    engine.finishEpoch?.();
    const trainEnd = performance.now();
    if (validation) {
      const v = engine.evaluate(validation[0], validation[1], { batchSize });
      if (withAccuracy) logs.val_accuracy = v.accuracy;
      logs.val_loss = v.loss;
    }
    const end = performance.now();
    history.record(epoch, logs);
    history.epochSeconds.push((end - start) / 1000);
    await options.onEpochEnd?.({
      epoch,
      epochs,
      steps,
      logs: { ...logs },
      elapsedSeconds: (end - start) / 1000,
      secondsPerStep: secondsPerStep(start, afterFirstStep, trainEnd, steps),
    });
    for (const cb of callbacks) await cb.onEpochEnd?.(epoch, { ...logs });
    if (engine.stopTraining) break;
  }
  for (const cb of callbacks) await cb.onTrainEnd?.();
  history.seconds = (performance.now() - fitStart - waitedTotal) / 1000;
  return history;
}

function copyBatchOrder(given: ArrayLike<number>, order: Uint32Array): void {
  const samples = order.length;
  if (given.length !== samples) {
    throw new InvalidArgumentError(
      `batchOrder returned ${given.length} indices for ${samples} samples; return one per sample.`,
    );
  }
  for (let i = 0; i < samples; i++) {
    const idx = given[i]!;
    if (!(Number.isInteger(idx) && idx >= 0 && idx < samples)) {
      throw new InvalidArgumentError(
        `batchOrder returned index ${idx} at position ${i}; indices must be integers in [0, ${samples - 1}].`,
      );
    }
    order[i] = idx;
  }
}

export function checkCount(what: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) {
    throw new InvalidArgumentError(`${what} must be an integer >= ${min}, got ${value}.`);
  }
}

/** Keras's step-time estimate: leave the first (warm-up) step out once there are more. */
function secondsPerStep(start: number, afterFirst: number, now: number, step: number): number {
  if (step > 1) return (now - afterFirst) / 1000 / (step - 1);
  return (now - start) / 1000 / Math.max(step, 1);
}
