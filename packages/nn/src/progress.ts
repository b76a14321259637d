/**
 * Keras's per-epoch progress line (keras/src/utils/progbar.py, verbose=1), as plain text for the
 * CLI to print. The package itself never prints: fit emits events, this renders them.
 *
 *   Epoch 3/15
 *   1563/1563 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - accuracy: 0.8571 - loss: 0.3905 - val_accuracy: 0.8460 - val_loss: 0.4213
 */
import type { Logs } from './callbacks.js';

export interface ProgressState {
  /** Batches done in this epoch (1-based), and how many there are. */
  step: number;
  steps: number;
  /** Seconds since the epoch began. */
  elapsedSeconds: number;
  /** Seconds per step; Keras leaves the first (warm-up) step out of this estimate. */
  secondsPerStep: number;
  /** Running means so far (and val_* at the epoch's end). */
  logs: Logs;
}

/** `Epoch 3/15`. `epoch` is 0-based as in the callbacks. */
export function formatEpochHeader(epoch: number, epochs: number): string {
  return `Epoch ${epoch + 1}/${epochs}`;
}

/** Keras's _format_time: ` 2ms/step`, ` 1s/step`, ` 850us/step`. */
export function formatStepTime(secondsPerStep: number, unit = 'step'): string {
  if (secondsPerStep >= 1 || secondsPerStep === 0) return ` ${secondsPerStep.toFixed(0)}s/${unit}`;
  if (secondsPerStep >= 1e-3) return ` ${(secondsPerStep * 1e3).toFixed(0)}ms/${unit}`;
  return ` ${(secondsPerStep * 1e6).toFixed(0)}us/${unit}`;
}

/** Keras's number format: four decimals, or scientific notation for tiny values. */
export function formatMetric(value: number): string {
  if (Math.abs(value) > 1e-3) return value.toFixed(4);
  // Python's "{:.4e}" writes a two-digit exponent: 5.0000e-04.
  return value.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Keras sorts the logs by name (trainer._pythonify_logs): accuracy, loss, val_accuracy, val_loss. */
function orderedKeys(logs: Logs): string[] {
  return Object.keys(logs).sort();
}

/**
 * The progress line. While the epoch runs Keras shows the ETA where the finished line shows
 * the elapsed seconds (`final` defaults to step >= steps); `color` adds Keras's ANSI colours.
 */
export function formatProgressLine(
  state: ProgressState,
  options: { final?: boolean; color?: boolean } = {},
): string {
  const final = options.final ?? state.step >= state.steps;
  const width = 20;
  const digits = String(state.steps).length;
  const done = Math.floor((width * state.step) / state.steps);
  // Keras draws the done part green and the rest grey; without colour both are the same bar.
  const bar = options.color
    ? `\x1b[32m${'━'.repeat(done)}\x1b[0m\x1b[37m${'━'.repeat(width - done)}\x1b[0m`
    : '━'.repeat(width);
  let text = `${String(state.step).padStart(digits)}/${state.steps} ${bar}`;
  if (final) text += ` ${state.elapsedSeconds.toFixed(0)}s`;
  else {
    const eta = state.secondsPerStep * (state.steps - state.step);
    text += ` ${formatEta(eta)}`;
  }
  text += formatStepTime(state.secondsPerStep);
  for (const key of orderedKeys(state.logs)) text += ` - ${key}: ${formatMetric(state.logs[key]!)}`;
  return text;
}

function formatEta(eta: number): string {
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  if (eta > 3600) return `${Math.floor(eta / 3600)}:${pad((eta % 3600) / 60)}:${pad(eta % 60)}`;
  if (eta > 60) return `${Math.floor(eta / 60)}:${pad(eta % 60)}`;
  return `${Math.floor(eta)}s`;
}
