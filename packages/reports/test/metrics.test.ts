import { describe, expect, it } from 'vitest';
import { ReportInputError } from '../src/errors.js';
import { classificationMetrics } from '../src/metrics.js';

const NAMES = ['class 0', 'class 1', 'class 2'];

describe('classificationMetrics', () => {
  it("computes scikit-learn's docstring example by hand", () => {
    // y_true=[0,1,2,2,2], y_pred=[0,0,2,2,1]
    const m = classificationMetrics([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], NAMES);
    expect(m.confusionMatrix).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 1, 2],
    ]);
    const [c0, c1, c2] = m.classes;
    expect(c0).toMatchObject({ name: 'class 0', precision: 0.5, recall: 1, support: 1 });
    expect(c0!.f1).toBeCloseTo(2 / 3, 15); // 2*1 / (1 + 2)
    expect(c1).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(c2).toMatchObject({ precision: 1, support: 3 });
    expect(c2!.recall).toBeCloseTo(2 / 3, 15);
    expect(c2!.f1).toBeCloseTo(0.8, 15); // 2*2 / (3 + 2)
    expect(m.accuracy).toBe(0.6);
    expect(m.correct).toBe(3);
    expect(m.macroAvg.precision).toBeCloseTo(0.5, 15);
    expect(m.macroAvg.recall).toBeCloseTo((1 + 0 + 2 / 3) / 3, 15);
    expect(m.macroAvg.f1).toBeCloseTo((2 / 3 + 0 + 0.8) / 3, 15);
    expect(m.weightedAvg.precision).toBeCloseTo((0.5 + 0 + 3) / 5, 15);
    expect(m.weightedAvg.recall).toBeCloseTo(0.6, 15);
    expect(m.weightedAvg.f1).toBeCloseTo((2 / 3 + 0 + 2.4) / 5, 15);
    expect(m.weightedAvg.support).toBe(5);
    // class 1 has predictions (none correct) so precision is defined (0/1): no warning.
    expect(m.warnings).toEqual([]);
  });

  it('sets ill-defined values to 0.0 and reports the warning as data, as zero_division="warn"', () => {
    // class 2 is never predicted (precision 0/0); class 3 is neither present nor predicted.
    const m = classificationMetrics([0, 1, 2, 2], [0, 1, 0, 1], ['a', 'b', 'c', 'd']);
    expect(m.classes[2]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(m.classes[3]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.warnings).toEqual([
      {
        metric: 'precision',
        classes: ['c', 'd'],
        message:
          'Precision is ill-defined and being set to 0.0 in labels with no predicted samples. Use `zero_division` parameter to control this behavior.',
      },
      expect.objectContaining({ metric: 'recall', classes: ['d'] }),
      expect.objectContaining({ metric: 'f1', classes: ['d'] }),
    ]);
    // Ill-defined classes count as 0 in the macro average, as in scikit-learn.
    expect(m.macroAvg.precision).toBeCloseTo((0.5 + 0.5 + 0 + 0) / 4, 15);
  });

  it('accepts typed arrays', () => {
    const m = classificationMetrics(Uint8Array.from([1, 0]), Int32Array.from([1, 1]), ['x', 'y']);
    expect(m.accuracy).toBe(0.5);
    expect(m.classes[1]!.precision).toBe(0.5);
  });

  it('rejects mismatched lengths, empty input and labels outside the class list', () => {
    expect(() => classificationMetrics([0, 1], [0], NAMES)).toThrow(ReportInputError);
    expect(() => classificationMetrics([], [], NAMES)).toThrow(/no samples/);
    expect(() => classificationMetrics([0, 3], [0, 0], NAMES)).toThrow(
      /yTrue\[1\] is 3, not a label in 0\.\.2/,
    );
    expect(() => classificationMetrics([0, 1], [0, 1.5], NAMES)).toThrow(/yPred\[1\]/);
    expect(() => classificationMetrics([0], [0], [])).toThrow(/classNames is empty/);
  });
});
