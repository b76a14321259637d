/**
 * Classification metrics computed as scikit-learn computes them (`precision_recall_fscore_support`,
 * `accuracy_score`, `confusion_matrix`), including its default zero-division behaviour: an
 * ill-defined value (a class never predicted, never present, or neither) is 0.0, and the warning
 * scikit-learn would print is returned as data in `warnings` instead.
 */
import { ReportInputError } from './errors.js';
import { numpySum } from './format.js';

export interface ClassMetrics {
  /** The class's label (its index in `classNames`). */
  label: number;
  name: string;
  precision: number;
  recall: number;
  f1: number;
  /** How many samples truly belong to the class. */
  support: number;
}

export interface AverageMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** scikit-learn's UndefinedMetricWarning, kept as data. */
export interface MetricWarning {
  metric: 'precision' | 'recall' | 'f1';
  /** Names of the classes whose value was ill-defined and set to 0.0. */
  classes: string[];
  message: string;
}

export interface ClassificationMetrics {
  classes: ClassMetrics[];
  accuracy: number;
  /** Number of samples. */
  n: number;
  /** Number of correctly classified samples. */
  correct: number;
  macroAvg: AverageMetrics;
  weightedAvg: AverageMetrics;
  /** `confusionMatrix[t][p]`: samples of true class t predicted as p. */
  confusionMatrix: number[][];
  warnings: MetricWarning[];
}

const WARNING_TEXT = {
  precision: 'Precision is ill-defined and being set to 0.0 in labels with no predicted samples.',
  recall: 'Recall is ill-defined and being set to 0.0 in labels with no true samples.',
  f1: 'F-score is ill-defined and being set to 0.0 in labels with no true nor predicted samples.',
} as const;
const WARNING_ADVICE = ' Use `zero_division` parameter to control this behavior.';

/**
 * Per-class precision, recall, F1 and support, accuracy, macro and weighted averages and the
 * confusion matrix. Labels are integers 0..classNames.length-1.
 */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classNames: readonly string[],
): ClassificationMetrics {
  const k = classNames.length;
  if (k === 0)
    throw new ReportInputError(
      'classificationMetrics: classNames is empty; pass one name per label.',
    );
  if (yTrue.length !== yPred.length) {
    throw new ReportInputError(
      `classificationMetrics: yTrue has ${yTrue.length} labels but yPred has ${yPred.length}; pass one prediction per sample.`,
    );
  }
  const n = yTrue.length;
  if (n === 0)
    throw new ReportInputError('classificationMetrics: no samples; pass at least one label.');

  const confusionMatrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < n; i++) {
    const t = checkLabel(yTrue[i]!, k, 'yTrue', i);
    const p = checkLabel(yPred[i]!, k, 'yPred', i);
    confusionMatrix[t]![p]!++;
  }

  const truePositives = confusionMatrix.map((row, c) => row[c]!);
  const trueSum = confusionMatrix.map((row) => row.reduce((a, b) => a + b, 0));
  const predSum = classNames.map((_, c) => confusionMatrix.reduce((a, row) => a + row[c]!, 0));
  const correct = truePositives.reduce((a, b) => a + b, 0);

  const undefinedFor: Record<MetricWarning['metric'], string[]> = {
    precision: [],
    recall: [],
    f1: [],
  };
  const classes: ClassMetrics[] = classNames.map((name, c) => {
    const tp = truePositives[c]!;
    const precision = divideOrZero(tp, predSum[c]!, () => undefinedFor.precision.push(name));
    const recall = divideOrZero(tp, trueSum[c]!, () => undefinedFor.recall.push(name));
    // scikit-learn >= 1.3 computes F1 from counts, 2tp / (2tp + fp + fn), not from p and r;
    // the two differ in the last bit, which decides a rounding tie now and then.
    const f1 = divideOrZero(2 * tp, trueSum[c]! + predSum[c]!, () => undefinedFor.f1.push(name));
    return { label: c, name, precision, recall, f1, support: trueSum[c]! };
  });

  const warnings: MetricWarning[] = (['precision', 'recall', 'f1'] as const)
    .filter((metric) => undefinedFor[metric].length > 0)
    .map((metric) => ({
      metric,
      classes: undefinedFor[metric],
      message: WARNING_TEXT[metric] + WARNING_ADVICE,
    }));

  const column = (key: 'precision' | 'recall' | 'f1') => classes.map((m) => m[key]);
  const macro = (key: 'precision' | 'recall' | 'f1') => numpySum(column(key)) / k;
  const weighted = (key: 'precision' | 'recall' | 'f1') =>
    numpySum(column(key).map((v, c) => v * trueSum[c]!)) / numpySum(trueSum);

  return {
    classes,
    accuracy: correct / n,
    n,
    correct,
    macroAvg: {
      precision: macro('precision'),
      recall: macro('recall'),
      f1: macro('f1'),
      support: n,
    },
    weightedAvg: {
      precision: weighted('precision'),
      recall: weighted('recall'),
      f1: weighted('f1'),
      support: n,
    },
    confusionMatrix,
    warnings,
  };
}

function checkLabel(label: number, k: number, which: string, index: number): number {
  if (!Number.isInteger(label) || label < 0 || label >= k) {
    throw new ReportInputError(
      `classificationMetrics: ${which}[${index}] is ${label}, not a label in 0..${k - 1}; pass integer labels matching classNames.`,
    );
  }
  return label;
}

function divideOrZero(numerator: number, denominator: number, onUndefined: () => void): number {
  if (denominator === 0) {
    onUndefined();
    return 0;
  }
  return numerator / denominator;
}
