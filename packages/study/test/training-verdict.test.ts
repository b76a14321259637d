/**
 * The cross-check's verdict on side-by-side training (judgeTraining): losses to rounding while
 * the weights are together, final accuracies within what two equally valid runs differ by.
 */
import { describe, expect, it } from 'vitest';
import {
  accuracyGapAllowed,
  type EngineEpoch,
  type EpochComparison,
  judgeTraining,
  SEPARATION_THRESHOLD,
} from '../src/crosscheck.js';

const SAMPLES = { train: 50_000, validation: 10_000 };

function epoch(
  n: number,
  custom: EngineEpoch,
  gap: Partial<EngineEpoch>,
  maxWeightDifference = 1e-7,
): EpochComparison {
  const full: EngineEpoch = { loss: 0, accuracy: 0, val_loss: 0, val_accuracy: 0, ...gap };
  const tf: EngineEpoch = {
    loss: custom.loss + full.loss,
    accuracy: custom.accuracy + full.accuracy,
    val_loss: custom.val_loss + full.val_loss,
    val_accuracy: custom.val_accuracy + full.val_accuracy,
  };
  return { epoch: n, custom, tf, gap: full, maxWeightDifference, clippedLabels: 0 };
}

const figures: EngineEpoch = { loss: 0.5, accuracy: 0.82, val_loss: 0.55, val_accuracy: 0.8 };

describe('judgeTraining', () => {
  it('passes rounding-level gaps while together, and nothing trained', () => {
    const training = [
      epoch(1, figures, { loss: 3e-8, val_loss: -5e-8 }),
      epoch(2, figures, { loss: -1e-7, accuracy: 1 / SAMPLES.train }),
    ];
    expect(judgeTraining(training, SAMPLES)).toEqual({ ok: true, problems: [] });
    expect(judgeTraining([], SAMPLES)).toEqual({ ok: true, problems: [] });
  });

  it('fails a loss gap far above rounding while the weights are together', () => {
    const verdict = judgeTraining([epoch(1, figures, { val_loss: 2e-3 })], SAMPLES);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual([
      `epoch 1: val_loss differs by 2.00e-3 while the weights are within ${SEPARATION_THRESHOLD} (allowed 1.55e-5)`,
    ]);
  });

  it('fails accuracies apart by more near-ties than the samples hold while together, not once separated', () => {
    // 50,000 samples: 2 flips plus one per 10,000 (the full crosscheck saw 3 in top's epochs 6-7).
    expect(judgeTraining([epoch(1, figures, { accuracy: 3 / SAMPLES.train })], SAMPLES).ok).toBe(
      true,
    );
    const apart = { accuracy: 8 / SAMPLES.train };
    expect(judgeTraining([epoch(1, figures, apart)], SAMPLES).problems).toEqual([
      `epoch 1: accuracy differs by 8 of 50000 samples while the weights are within ${SEPARATION_THRESHOLD} (allowed 7)`,
    ]);
    // 3,000 samples (a --limit run): 2 flips.
    const few = { ...SAMPLES, train: 3000 };
    expect(judgeTraining([epoch(1, figures, { accuracy: 3 / 3000 })], few).problems).toEqual([
      `epoch 1: accuracy differs by 3 of 3000 samples while the weights are within ${SEPARATION_THRESHOLD} (allowed 2)`,
    ]);
    const separated = epoch(1, figures, { ...apart, loss: 4e-3 }, 2 * SEPARATION_THRESHOLD);
    expect(judgeTraining([separated], SAMPLES).ok).toBe(true);
  });

  it('fails a final accuracy gap larger than two equally valid runs give', () => {
    const training = [
      epoch(1, figures, {}, 0.1),
      epoch(2, figures, { val_accuracy: -0.05, accuracy: 0.01 }, 0.3),
    ];
    const verdict = judgeTraining(training, SAMPLES);
    expect(verdict.problems).toEqual([
      'after epoch 2: val_accuracy differs by 0.0500, more than two equally valid runs do (allowed 0.0306)',
    ]);
  });

  it('fails a non-finite figure in either engine', () => {
    const training = [epoch(1, { ...figures, loss: Number.NaN }, {})];
    const verdict = judgeTraining(training, SAMPLES);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toContain('epoch 1: custom loss is NaN');
    expect(verdict.problems).toContain('epoch 1: tf loss is NaN');
  });

  it('allows max(0.03, 5 standard deviations of two runs’ difference) at the end', () => {
    expect(accuracyGapAllowed(0.8, 10_000)).toBe(0.03);
    // 64 validation images at 50%: 5 · √(2 · 0.25 / 64) = 0.4419…
    expect(accuracyGapAllowed(0.5, 64)).toBeCloseTo(5 * Math.sqrt(0.5 / 64), 12);
  });
});
