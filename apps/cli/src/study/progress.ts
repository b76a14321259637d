/**
 * Progress on stderr while models train, as Keras shows it, for one model or for two trained
 * side by side (one per core). Each finished epoch leaves two lines: where the run stands
 * (which epoch, which model of how many, time elapsed) and Keras's progress line:
 *
 *   Epoch 4/15 · base (3 of 6) · 1m 23s elapsed
 *   1563/1563 ━━━━━━━━━━━━━━━━━━━━ 6s 4ms/step - accuracy: 0.8571 - loss: 0.3905 - val_accuracy: ...
 *
 * On a terminal a status line below them is redrawn in place with every running model's
 * live bar; elsewhere (a log file, CI) only the finished lines are written.
 */
import { formatEpochHeader, formatProgressLine } from '@fmnist/nn';
import type { ProgressInfo } from '@fmnist/study';
import { type Io, useColor } from '../context.js';

/** 83.4 -> "1m 23s"; under a minute, "12.3s". */
export function formatElapsed(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h}h ${m}m ${s}s` : `${m}m ${s}s`;
}

/** Length on screen: ANSI colour codes take no room. */
function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ESC of colour codes
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}

interface Running {
  index: number;
  progress: ProgressInfo | undefined;
}

export class ProgressRenderer {
  readonly #tty: boolean;
  readonly #color: boolean;
  readonly #start = performance.now();
  readonly #running = new Map<string, Running>();
  #started = 0;
  #statusShown = false;

  readonly total: number;
  /** The plan's model names: a model is numbered by its place in the plan. */
  readonly #plan: readonly string[];

  /**
   * `models`: the plan's model names, so that "bottom (2 of 2)" is bottom's place in the plan
   * whichever worker starts first; or just how many there are (numbered as they start).
   */
  constructor(
    readonly io: Io,
    models: number | readonly string[],
  ) {
    this.total = typeof models === 'number' ? models : models.length;
    this.#plan = typeof models === 'number' ? [] : models;
    this.#tty = io.stderr.isTTY === true && io.env.TERM !== 'dumb';
    this.#color = useColor(io);
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** Lines of their own, above the status line. */
  line(text: string): void {
    this.#clearStatus();
    this.io.stderr.write(`${text}\n`);
    this.#drawStatus();
  }

  modelBegin(name: string, description: string): void {
    this.#started++;
    const planned = this.#plan.indexOf(name);
    const index = planned >= 0 ? planned + 1 : this.#started;
    this.#running.set(name, { index, progress: undefined });
    this.line(`\n${name} (${index} of ${this.total}): ${description}`);
  }

  modelEnd(name: string): void {
    this.#running.delete(name);
  }

  batch(name: string, progress: ProgressInfo): void {
    const running = this.#running.get(name);
    if (running) running.progress = progress;
    if (this.#tty) {
      this.#clearStatus();
      this.#drawStatus();
    }
  }

  epochEnd(name: string, progress: ProgressInfo): void {
    const running = this.#running.get(name);
    if (running) running.progress = undefined;
    const header = `${formatEpochHeader(progress.epoch, progress.epochs)} · ${name} (${running?.index ?? '?'} of ${this.total}) · ${formatElapsed(this.elapsedSeconds)} elapsed`;
    this.line(`${header}\n${formatProgressLine(progress, { final: true, color: this.#color })}`);
  }

  /** Removes the status line (call before the process writes anything else). */
  finish(): void {
    this.#clearStatus();
  }

  #drawStatus(): void {
    if (!this.#tty) return;
    const live = [...this.#running.entries()].filter(([, r]) => r.progress);
    if (live.length === 0) return;
    const width = (this.io.stderr as { columns?: number }).columns ?? 120;
    const elapsed = formatElapsed(this.elapsedSeconds);
    const render = (withLogs: boolean, color: boolean) =>
      `${live
        .map(([name, r]) => {
          const p = r.progress!;
          const line = formatProgressLine(withLogs ? p : { ...p, logs: {} }, {
            final: false,
            color,
          });
          return `${name} ${p.epoch + 1}/${p.epochs} ${line}`;
        })
        .join(' | ')} · ${elapsed}`;
    // A status line that wraps cannot be redrawn in place: drop the metrics when two models
    // share the line or it is too wide, and cut it (without colour codes) as a last resort.
    const fits = (text: string) => visibleLength(text) < width;
    let status = render(live.length === 1, this.#color);
    if (!fits(status)) status = render(false, this.#color);
    if (!fits(status)) status = `${render(false, false).slice(0, width - 2)}…`;
    this.io.stderr.write(status);
    this.#statusShown = true;
  }

  #clearStatus(): void {
    if (this.#statusShown) this.io.stderr.write('\r\x1b[2K');
    this.#statusShown = false;
  }
}
