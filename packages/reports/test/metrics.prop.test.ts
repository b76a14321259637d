import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classificationMetrics } from '../src/metrics.js';

/** k classes and n paired labels in 0..k-1. */
const labelled = fc.integer({ min: 1, max: 10 }).chain((k) =>
  fc
    .array(fc.tuple(fc.nat(k - 1), fc.nat(k - 1)), { minLength: 1, maxLength: 200 })
    .map((pairs) => ({
      names: Array.from({ length: k }, (_, i) => `c${i}`),
      yTrue: pairs.map(([t]) => t),
      yPred: pairs.map(([, p]) => p),
    })),
);

describe('classificationMetrics properties', () => {
  it('per-class support sums to n, and each class support counts its true labels', () => {
    fc.assert(
      fc.property(labelled, ({ names, yTrue, yPred }) => {
        const m = classificationMetrics(yTrue, yPred, names);
        expect(m.classes.reduce((a, c) => a + c.support, 0)).toBe(yTrue.length);
        m.classes.forEach((c) => {
          expect(c.support).toBe(yTrue.filter((t) => t === c.label).length);
        });
      }),
    );
  });

  it('accuracy is the diagonal share of the confusion matrix, and the matrix holds every sample', () => {
    fc.assert(
      fc.property(labelled, ({ names, yTrue, yPred }) => {
        const m = classificationMetrics(yTrue, yPred, names);
        const diagonal = m.confusionMatrix.reduce((a, row, i) => a + row[i]!, 0);
        const total = m.confusionMatrix.flat().reduce((a, b) => a + b, 0);
        expect(total).toBe(yTrue.length);
        expect(m.accuracy).toBe(diagonal / yTrue.length);
        // Weighted recall is the accuracy (sum of tp / n), up to rounding.
        expect(m.weightedAvg.recall).toBeCloseTo(m.accuracy, 12);
      }),
    );
  });

  it('F1 lies between precision and recall, and equals their harmonic mean when defined', () => {
    fc.assert(
      fc.property(labelled, ({ names, yTrue, yPred }) => {
        const m = classificationMetrics(yTrue, yPred, names);
        for (const c of m.classes) {
          const lo = Math.min(c.precision, c.recall);
          const hi = Math.max(c.precision, c.recall);
          expect(c.f1).toBeGreaterThanOrEqual(lo - 1e-12);
          expect(c.f1).toBeLessThanOrEqual(hi + 1e-12);
          if (c.precision + c.recall > 0) {
            expect(c.f1).toBeCloseTo((2 * c.precision * c.recall) / (c.precision + c.recall), 12);
          }
        }
      }),
    );
  });

  it('every value is in [0, 1]; averages are the plain and support-weighted means', () => {
    fc.assert(
      fc.property(labelled, ({ names, yTrue, yPred }) => {
        const m = classificationMetrics(yTrue, yPred, names);
        const n = yTrue.length;
        for (const key of ['precision', 'recall', 'f1'] as const) {
          for (const c of m.classes) expect(c[key]).toBeGreaterThanOrEqual(0);
          for (const c of m.classes) expect(c[key]).toBeLessThanOrEqual(1);
          const mean = m.classes.reduce((a, c) => a + c[key], 0) / names.length;
          const weighted = m.classes.reduce((a, c) => a + c[key] * c.support, 0) / n;
          expect(m.macroAvg[key]).toBeCloseTo(mean, 12);
          expect(m.weightedAvg[key]).toBeCloseTo(weighted, 12);
        }
      }),
    );
  });

  it('perfect predictions give 1 everywhere for present classes', () => {
    fc.assert(
      fc.property(labelled, ({ names, yTrue }) => {
        const m = classificationMetrics(yTrue, yTrue, names);
        expect(m.accuracy).toBe(1);
        for (const c of m.classes.filter((c) => c.support > 0)) {
          expect([c.precision, c.recall, c.f1]).toEqual([1, 1, 1]);
        }
      }),
    );
  });
});
