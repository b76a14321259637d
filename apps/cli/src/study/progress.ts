/**
 * Progress on stderr while models train, as Keras shows it: for each epoch a header line
 * (here with where the whole run stands: which model of how many, time elapsed) and the
 * progress line, redrawn in place on a terminal, written once per epoch otherwise (a log
 * file or a CI transcript gets no carriage-return noise).
 *
 *   Epoch 4/15 · base (3 of 6) · 1m 23s elapsed
 *   1563/1563 ━━━━━━━━━━━━━━━━━━━━ 6s 4ms/step - accuracy: 0.8571 - loss: 0.3905 - val_accuracy: ...
 */
import { formatEpochHeader, formatProgressLine } from '@fmnist/nn';
import type { Io } from '../context.js';
import type { ProgressInfo } from './messages.js';

/** 83.4 -> "1m 23s"; under a minute, "12.3s". */
export function formatElapsed(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h}h ${m}m ${s}s` : `${m}m ${s}s`;
}

export class ProgressRenderer {
  readonly #tty: boolean;
  readonly #start = performance.now();
  #openLine = false;
  #model = '';
  #index = 0;

  constructor(
    readonly io: Io,
    readonly total: number,
  ) {
    this.#tty = io.stderr.isTTY === true && io.env.TERM !== 'dumb';
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** A line of its own (ends any progress line being drawn). */
  line(text: string): void {
    this.#closeLine();
    this.io.stderr.write(`${text}\n`);
  }

  modelBegin(name: string, description: string): void {
    this.#model = name;
    this.#index++;
    this.line('');
    this.line(`${name} (${this.#index} of ${this.total}): ${description}`);
  }

  epochBegin(epoch: number, epochs: number): void {
    this.line(
      `${formatEpochHeader(epoch, epochs)} · ${this.#model} (${this.#index} of ${this.total}) · ${formatElapsed(this.elapsedSeconds)} elapsed`,
    );
  }

  batch(progress: ProgressInfo): void {
    if (!this.#tty) return;
    this.io.stderr.write(`\r\x1b[2K${formatProgressLine(progress, { final: false, color: true })}`);
    this.#openLine = true;
  }

  epochEnd(progress: ProgressInfo): void {
    if (this.#tty) this.io.stderr.write('\r\x1b[2K');
    this.#openLine = false;
    this.io.stderr.write(`${formatProgressLine(progress, { final: true, color: this.#tty })}\n`);
  }

  #closeLine(): void {
    if (this.#openLine) this.io.stderr.write('\n');
    this.#openLine = false;
  }
}
