/**
 * One progress line for all seeds on stderr: how many models are done, how far through the
 * planned epochs the whole run is, time elapsed and an estimate of what is left, and what each
 * worker is training now. On a terminal the line is redrawn in place; elsewhere (a log file,
 * CI) it is written as a plain line when a model finishes and at most every 30 seconds, so a
 * transcript stays short.
 *
 *   seeds 3 · 4/18 models · 37% · 5m 12s elapsed, about 8m 40s left · 42 base 3/15 61% | 2713 top 7/10 12%
 */

import type { ProgressInfo, TrainedModel } from '@fmnist/study';
import type { Io } from '../context.js';
import { formatElapsed } from '../study/progress.js';

const PLAIN_INTERVAL_MS = 30_000;

interface Live {
  seed: number;
  name: string;
  epoch: number;
  epochs: number;
  /** Fraction of the current epoch done. */
  within: number;
}

export interface SeedsTotals {
  seeds: number;
  models: number;
  /** Planned epochs over all seeds and models (early stopping may run fewer). */
  epochs: number;
}

export class SeedsProgress {
  readonly #tty: boolean;
  readonly #start = performance.now();
  readonly #live = new Map<string, Live>();
  #modelsDone = 0;
  /** Epochs finished, counting a model stopped early as all its planned epochs. */
  #epochsDone = 0;
  #shown = false;
  #lastPlain = 0;

  constructor(
    readonly io: Io,
    readonly totals: SeedsTotals,
  ) {
    this.#tty = io.stderr.isTTY === true && io.env.TERM !== 'dumb';
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** A line of its own, above the progress line. */
  note(text: string): void {
    this.#clear();
    this.io.stderr.write(`${text}\n`);
    this.#draw();
  }

  modelBegin(seed: number, name: string, epochs: number): void {
    this.#live.set(`${seed}/${name}`, { seed, name, epoch: 0, epochs, within: 0 });
    this.#draw();
  }

  batch(seed: number, name: string, progress: ProgressInfo): void {
    const live = this.#live.get(`${seed}/${name}`);
    if (!live) return;
    live.epoch = progress.epoch;
    live.within = progress.step / progress.steps;
    if (this.#tty) this.#draw();
  }

  epochEnd(seed: number, name: string, progress: ProgressInfo): void {
    const live = this.#live.get(`${seed}/${name}`);
    if (live) {
      live.epoch = progress.epoch + 1;
      live.within = 0;
    }
    this.#epochsDone++;
    if (this.#tty) this.#draw();
    else if (performance.now() - this.#lastPlain >= PLAIN_INTERVAL_MS) this.#plain();
  }

  modelEnd(seed: number, model: TrainedModel): void {
    this.#live.delete(`${seed}/${model.name}`);
    this.#modelsDone++;
    // Early stopping skipped some planned epochs: count them as done for the estimate.
    this.#epochsDone += model.epochsPlanned - model.epochsRun;
    if (this.#tty) this.#draw();
    else this.#plain();
  }

  /** Removes the progress line (call before anything else is written). */
  finish(): void {
    this.#clear();
  }

  status(): string {
    const running = [...this.#live.values()];
    const done = this.#epochsDone + running.reduce((s, l) => s + l.within, 0);
    const fraction = this.totals.epochs > 0 ? Math.min(1, done / this.totals.epochs) : 0;
    const elapsed = this.elapsedSeconds;
    // A straight-line estimate from the work done so far; none until there is some.
    const left =
      fraction > 0.02 ? `, about ${formatElapsed((elapsed * (1 - fraction)) / fraction)} left` : '';
    const now = running
      .map(
        (l) =>
          `${l.seed} ${l.name} ${Math.min(l.epoch + 1, l.epochs)}/${l.epochs} ${Math.round(l.within * 100)}%`,
      )
      .join(' | ');
    return `seeds ${this.totals.seeds} · ${this.#modelsDone}/${this.totals.models} models · ${Math.round(fraction * 100)}% · ${formatElapsed(elapsed)} elapsed${left}${now ? ` · ${now}` : ''}`;
  }

  #plain(): void {
    this.#lastPlain = performance.now();
    this.io.stderr.write(`${this.status()}\n`);
  }

  #draw(): void {
    if (!this.#tty) return;
    const width = (this.io.stderr as { columns?: number }).columns ?? 120;
    let line = this.status();
    // A line that wraps cannot be redrawn in place.
    if (line.length > width - 1) line = `${line.slice(0, width - 2)}…`;
    this.io.stderr.write(`\r\x1b[2K${line}`);
    this.#shown = true;
  }

  #clear(): void {
    if (this.#shown) this.io.stderr.write('\r\x1b[2K');
    this.#shown = false;
  }
}
