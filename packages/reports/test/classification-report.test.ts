import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classificationReport } from '../src/classification-report.js';
import { classificationMetrics } from '../src/metrics.js';

const NAMES = ['class 0', 'class 1', 'class 2'];

describe('classificationReport', () => {
  it("reproduces scikit-learn's docstring example to the character", () => {
    // From sklearn.metrics.classification_report's docstring; print() adds the last newline.
    const expected = [
      '              precision    recall  f1-score   support',
      '',
      '     class 0       0.50      1.00      0.67         1',
      '     class 1       0.00      0.00      0.00         1',
      '     class 2       1.00      0.67      0.80         3',
      '',
      '    accuracy                           0.60         5',
      '   macro avg       0.50      0.56      0.49         5',
      'weighted avg       0.70      0.60      0.61         5',
      '',
    ].join('\n');
    const metrics = classificationMetrics([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], NAMES);
    expect(classificationReport(metrics)).toBe(expected);
  });

  it("reproduces the user guide's example to the character", () => {
    const expected = [
      '              precision    recall  f1-score   support',
      '',
      '     class 0       0.67      1.00      0.80         2',
      '     class 1       0.00      0.00      0.00         1',
      '     class 2       1.00      0.50      0.67         2',
      '',
      '    accuracy                           0.60         5',
      '   macro avg       0.56      0.50      0.49         5',
      'weighted avg       0.67      0.60      0.59         5',
      '',
    ].join('\n');
    const metrics = classificationMetrics([0, 1, 2, 2, 0], [0, 0, 2, 1, 0], NAMES);
    expect(classificationReport(metrics)).toBe(expected);
  });

  it('widens the name column for long class names and honours digits', () => {
    const metrics = classificationMetrics([0, 1, 1], [0, 1, 0], ['x', 'a much longer name']);
    const report = classificationReport(metrics, 3);
    const lines = report.split('\n');
    expect(lines[0]).toBe(`${' '.repeat(18)}  precision    recall  f1-score   support`);
    expect(lines[2]).toBe('                 x      0.500     1.000     0.667         1');
    // name (18) + ' ' + two blank 10-wide cells + ' ' + 9-wide value + ' ' + 9-wide support
    expect(lines[5]).toBe(`${'accuracy'.padStart(18)} ${' '.repeat(20)}     0.667         3`);
  });

  it('rounds an exact tie to even as Python does (precision 1/8 shows 0.12)', () => {
    // class 0 predicted 8 times, right once: precision exactly 0.125.
    const yTrue = [0, 1, 1, 1, 1, 1, 1, 1];
    const yPred = [0, 0, 0, 0, 0, 0, 0, 0];
    const report = classificationReport(classificationMetrics(yTrue, yPred, ['a', 'b']));
    expect(report.split('\n')[2]).toBe('           a       0.12      1.00      0.22         1');
  });

  it("matches every report in the fixture computed with NumPy and sklearn's format strings", () => {
    const cases = JSON.parse(
      readFileSync(new URL('./fixtures/sklearn-reports.json', import.meta.url), 'utf8'),
    ) as { yTrue: string; yPred: string; names: string[]; digits: number; report: string }[];
    expect(cases.length).toBeGreaterThan(30);
    for (const c of cases) {
      const metrics = classificationMetrics(
        [...c.yTrue].map(Number),
        [...c.yPred].map(Number),
        c.names,
      );
      expect(classificationReport(metrics, c.digits)).toBe(c.report);
    }
  });
});
