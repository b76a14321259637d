/**
 * The text of scikit-learn's `classification_report`, to the character. Its format strings,
 * reproduced here:
 *
 *   width    = max(max(len(name)), len("weighted avg"), digits)
 *   head_fmt = "{:>{width}s} " + " {:>9}" * 4                                       + "\n\n"
 *   row_fmt  = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"               per class, then "\n"
 *   accuracy = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"  ("", "" first)
 *   then row_fmt for "macro avg" and "weighted avg".
 *
 * The text ends with the newline of the "weighted avg" row, as scikit-learn's does.
 */
import { alignRight, formatFixed, textLength } from './format.js';
import type { AverageMetrics, ClassificationMetrics } from './metrics.js';

const HEADERS = ['precision', 'recall', 'f1-score', 'support'] as const;
const LONGEST_LAST_LINE_HEADING = 'weighted avg';

export function classificationReport(metrics: ClassificationMetrics, digits = 2): string {
  const names = metrics.classes.map((c) => c.name);
  const width = Math.max(...names.map(textLength), LONGEST_LAST_LINE_HEADING.length, digits);
  const cell = (text: string) => ` ${alignRight(text, 9)}`;
  const name = (text: string) => `${alignRight(text, width)} `;
  const row = (label: string, m: Omit<AverageMetrics, 'support'>, support: number) =>
    `${name(label)}${[m.precision, m.recall, m.f1].map((v) => cell(formatFixed(v, digits))).join('')}${cell(String(support))}\n`;

  let report = `${name('')}${HEADERS.map(cell).join('')}\n\n`;
  for (const c of metrics.classes) report += row(c.name, c, c.support);
  report += '\n';
  // `{:>9.2}` applied to "" pads the empty string: two blank cells under precision and recall.
  report += `${name('accuracy')}${cell('')}${cell('')}${cell(formatFixed(metrics.accuracy, digits))}${cell(String(metrics.n))}\n`;
  report += row('macro avg', metrics.macroAvg, metrics.macroAvg.support);
  report += row('weighted avg', metrics.weightedAvg, metrics.weightedAvg.support);
  return report;
}
