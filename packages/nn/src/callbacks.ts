/**
 * Callbacks and History, with Keras's names and hooks. Epochs are 0-based in the hooks, as in
 * Keras (it prints them 1-based).
 */
import type { FloatArray } from '@fmnist/core';
import { InvalidArgumentError } from './errors.js';

/** The metrics of an epoch or of the batches so far: loss, accuracy, val_loss, val_accuracy. */
export type Logs = Record<string, number>;

/** The part of a model a callback may touch. */
export interface CallbackModel {
  getWeights(): FloatArray[];
  setWeights(weights: readonly ArrayLike<number>[]): void;
  /** Set to true to end fit after the current epoch. */
  stopTraining: boolean;
}

export interface Callback {
  setModel?(model: CallbackModel): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  /** Called synchronously after every batch with the running means so far. */
  onBatchEnd?(batch: number, logs: Logs): void;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
}

/** Keras's History: the per-epoch logs of one fit. */
export class History {
  /** 0-based epochs that ran. */
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  /**
   * Not in Keras's History: each epoch's wall-clock seconds (training and validation), and the
   * whole fit's, the time onBatchEnd made fit wait (a paused lab page) left out of both.
   */
  readonly epochSeconds: number[] = [];
  seconds = 0;

  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      const series = this.history[key] ?? [];
      series.push(value);
      this.history[key] = series;
    }
  }

  /** 1-based epoch with the lowest value of `monitor` (default val_loss), or 0 if none. */
  bestEpoch(monitor = 'val_loss', mode: 'min' | 'max' = 'min'): number {
    const series = this.history[monitor] ?? [];
    let best = -1;
    for (let i = 0; i < series.length; i++) {
      if (best < 0 || (mode === 'min' ? series[i]! < series[best]! : series[i]! > series[best]!)) {
        best = i;
      }
    }
    return best + 1;
  }
}

export interface EarlyStoppingOptions {
  /** Default `val_loss`. */
  monitor?: string;
  /** Smallest change that counts as an improvement; default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping; default 0. */
  patience?: number;
  /** `auto` infers min for losses and max for accuracies. */
  mode?: 'auto' | 'min' | 'max';
  /** Training stops unless the monitored value beats this too. */
  baseline?: number;
  /** Put back the weights of the best epoch when training ends; default false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts; default 0. */
  startFromEpoch?: number;
}

/**
 * Keras 3's EarlyStopping (keras/src/callbacks/early_stopping.py), step for step:
 *
 * - at each epoch end, `wait` goes up by one; an improvement (current − minDelta below the best,
 *   for `min`) resets it to 0 and remembers the weights;
 * - training stops when `wait >= patience` after an epoch without improvement (never after the
 *   first epoch);
 * - with restoreBestWeights, the best epoch's weights are put back when training ends, whether
 *   it stopped early or ran out of epochs first (Keras 3 restores in on_train_end; Keras 2 only
 *   restored when it actually stopped).
 *
 * One deliberate difference: onTrainBegin also resets `best`, so an instance reused for a second
 * fit starts afresh (Keras resets everything else there but keeps the previous run's best, which
 * makes a reused instance compare against a value from another training run). For a fresh
 * instance, as the study uses, the two behave identically.
 */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly mode: 'min' | 'max';
  /** 0-based epoch at which training was stopped, 0 if it was not (Keras's convention). */
  stoppedEpoch = 0;
  /** 0-based epoch of the best monitored value. */
  bestEpoch = 0;
  best = Number.POSITIVE_INFINITY;
  wait = 0;
  bestWeights: FloatArray[] | null = null;
  #model: CallbackModel | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = options.monitor ?? 'val_loss';
    this.patience = options.patience ?? 0;
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.baseline = options.baseline;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = options.startFromEpoch ?? 0;
    const mode = options.mode ?? 'auto';
    if (mode === 'auto') {
      const metric = this.monitor.replace(/^val_/, '');
      if (metric === 'loss') this.mode = 'min';
      else if (metric === 'accuracy') this.mode = 'max';
      else {
        throw new InvalidArgumentError(
          `EarlyStopping cannot tell whether '${this.monitor}' should go up or down; ` +
            "pass mode: 'min' or mode: 'max'.",
        );
      }
    } else this.mode = mode;
    if (!(this.patience >= 0)) {
      throw new InvalidArgumentError(`EarlyStopping patience must be >= 0, got ${this.patience}.`);
    }
  }

  setModel(model: CallbackModel): void {
    this.#model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestWeights = null;
    this.bestEpoch = 0;
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const model = this.#requireModel();
    const current = logs[this.monitor];
    if (current === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) {
      // If no epoch has improved yet, the current weights are the best seen.
      this.bestWeights = model.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.#isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = model.getWeights();
      // Only restart the count if we beat both the baseline and the previous best.
      if (this.baseline === undefined || this.#isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights !== null) {
      this.#requireModel().setWeights(this.bestWeights);
    }
  }

  #isImprovement(value: number, reference: number): boolean {
    return this.mode === 'min'
      ? value + this.minDelta < reference // Keras: less(value − (−minDelta), reference)
      : value - this.minDelta > reference;
  }

  #requireModel(): CallbackModel {
    if (!this.#model) {
      throw new InvalidArgumentError(
        'EarlyStopping has no model; pass it in fit({ callbacks: [...] }) or call setModel(model).',
      );
    }
    return this.#model;
  }
}
