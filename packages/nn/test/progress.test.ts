import { describe, expect, it } from 'vitest';
import { History } from '../src/callbacks.js';
import {
  formatEpochHeader,
  formatMetric,
  formatProgressLine,
  formatStepTime,
} from '../src/progress.js';

describe("Keras's progress line", () => {
  it('renders the finished epoch as Keras prints it', () => {
    const line = formatProgressLine({
      step: 1563,
      steps: 1563,
      elapsedSeconds: 3.6,
      secondsPerStep: 0.0021,
      logs: { loss: 0.51234, accuracy: 0.81, val_loss: 0.45, val_accuracy: 0.84 },
    });
    expect(formatEpochHeader(0, 15)).toBe('Epoch 1/15');
    expect(line).toBe(
      `1563/1563 ${'━'.repeat(20)} 4s 2ms/step - accuracy: 0.8100 - loss: 0.5123 - val_accuracy: 0.8400 - val_loss: 0.4500`,
    );
  });

  it('shows the ETA while running and pads the step count', () => {
    const line = formatProgressLine({
      step: 12,
      steps: 1563,
      elapsedSeconds: 0.5,
      secondsPerStep: 0.05,
      logs: { loss: 2.1, accuracy: 0.2 },
    });
    expect(line.startsWith(`  12/1563 ${'━'.repeat(20)} 1:17 50ms/step - accuracy: 0.2000`)).toBe(
      true,
    );
    expect(
      formatProgressLine(
        { step: 5, steps: 10, elapsedSeconds: 1, secondsPerStep: 0.2, logs: {} },
        { color: true },
      ),
    ).toContain('\x1b[32m━━━━━━━━━━\x1b[0m');
  });

  it('formats times and small numbers as Keras does', () => {
    expect(formatStepTime(2)).toBe(' 2s/step');
    expect(formatStepTime(0.0005)).toBe(' 500us/step');
    expect(formatMetric(0.0005)).toBe('5.0000e-04');
  });

  it('History records epochs and finds the best one (1-based)', () => {
    const h = new History();
    [0.5, 0.4, 0.45].forEach((v, e) => {
      h.record(e, { loss: 1, val_loss: v });
    });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.bestEpoch()).toBe(2);
  });
});
