/**
 * Written observations: sentences computed from the numbers, never canned. Each observation
 * carries the numbers it rests on (`facts`), so the JSON output can be checked against the text.
 */
import { ReportInputError } from './errors.js';
import { formatFixed, formatSeconds } from './format.js';
import { type History, historyEpochs } from './history.js';
import type { ModelComparisonRow, PerClassScores } from './tables.js';

export interface Observation {
  text: string;
  facts: Record<string, number | string | boolean>;
}

export interface NamedClassScores extends PerClassScores {
  name: string;
}

export interface ModelScores {
  /** The model's name, e.g. "top". */
  name: string;
  /** Per class, in label order (a ClassificationMetrics's `classes` fits). */
  classes: readonly NamedClassScores[];
}

export interface CompareClassesOptions {
  /** How many classes with the largest F1 difference to describe; default 3. */
  count?: number;
  /** F1 differences below this count as "about the same"; default 0.01. */
  tolerance?: number;
}

const f3 = (x: number) => formatFixed(x, 3);
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Where two models differ most, class by class: the overall tally, the classes with the largest
 * F1 differences (with precision and recall beside), the largest precision and recall gaps, and
 * the classes on which they are about equal.
 */
export function compareClasses(
  a: ModelScores,
  b: ModelScores,
  options: CompareClassesOptions = {},
): Observation[] {
  if (a.classes.length !== b.classes.length || a.classes.length === 0) {
    throw new ReportInputError(
      `compareClasses: ${a.name} has ${a.classes.length} classes and ${b.name} has ${b.classes.length}; pass the same classes, in the same order, for both.`,
    );
  }
  const count = options.count ?? 3;
  const tolerance = options.tolerance ?? 0.01;
  const diffs = a.classes.map((ca, i) => {
    const cb = b.classes[i]!;
    return {
      name: ca.name,
      a: ca,
      b: cb,
      f1: ca.f1 - cb.f1,
      precision: ca.precision - cb.precision,
      recall: ca.recall - cb.recall,
    };
  });
  const observations: Observation[] = [];

  const aWins = diffs.filter((d) => d.f1 > tolerance).length;
  const bWins = diffs.filter((d) => d.f1 < -tolerance).length;
  const macroA = mean(a.classes.map((c) => c.f1));
  const macroB = mean(b.classes.map((c) => c.f1));
  observations.push({
    text: `${a.name} has the higher F1 on ${aWins} of ${diffs.length} classes and ${b.name} on ${bWins}${
      diffs.length - aWins - bWins > 0
        ? ` (${diffs.length - aWins - bWins} within ${tolerance})`
        : ''
    }; macro F1 is ${f3(macroA)} for ${a.name} and ${f3(macroB)} for ${b.name}, ${
      f3(Math.abs(macroA - macroB)) === f3(0)
        ? 'equal at three decimals'
        : `a difference of ${f3(Math.abs(macroA - macroB))} in favour of ${macroA >= macroB ? a.name : b.name}`
    }.`,
    facts: {
      [`${a.name}Wins`]: aWins,
      [`${b.name}Wins`]: bWins,
      [`${a.name}MacroF1`]: macroA,
      [`${b.name}MacroF1`]: macroB,
    },
  });

  const byF1 = [...diffs].sort((x, y) => Math.abs(y.f1) - Math.abs(x.f1)).slice(0, count);
  for (const d of byF1) {
    const winner = d.f1 >= 0 ? a.name : b.name;
    observations.push({
      text: `${d.name}: F1 ${f3(d.a.f1)} with ${a.name} vs ${f3(d.b.f1)} with ${b.name}, ${f3(Math.abs(d.f1))} higher with ${winner} (precision ${f3(d.a.precision)} vs ${f3(d.b.precision)}, recall ${f3(d.a.recall)} vs ${f3(d.b.recall)}).`,
      facts: {
        class: d.name,
        [`${a.name}F1`]: d.a.f1,
        [`${b.name}F1`]: d.b.f1,
        f1Difference: d.f1,
        precisionDifference: d.precision,
        recallDifference: d.recall,
      },
    });
  }

  for (const metric of ['precision', 'recall'] as const) {
    const largest = [...diffs].sort((x, y) => Math.abs(y[metric]) - Math.abs(x[metric]))[0]!;
    const winner = largest[metric] >= 0 ? a.name : b.name;
    observations.push({
      text: `The largest ${metric} difference is on ${largest.name}: ${f3(largest.a[metric])} with ${a.name} vs ${f3(largest.b[metric])} with ${b.name} (${f3(Math.abs(largest[metric]))} in favour of ${winner}).`,
      facts: {
        metric,
        class: largest.name,
        [`${a.name}`]: largest.a[metric],
        [`${b.name}`]: largest.b[metric],
        difference: largest[metric],
      },
    });
  }

  const even = diffs.filter((d) => Math.abs(d.f1) <= tolerance);
  if (even.length > 0) {
    observations.push({
      text: `About equal (F1 within ${tolerance}): ${even.map((d) => `${d.name} (${f3(d.a.f1)} vs ${f3(d.b.f1)})`).join(', ')}.`,
      facts: { classes: even.map((d) => d.name).join(', '), tolerance },
    });
  }
  return observations;
}

export interface DescribeTrainingOptions {
  /** The model's name, used in the sentences; default "the model". */
  name?: string;
  /**
   * Validation loss this far (relative) above its minimum at the end counts as rising; default 0.02
   * (2%).
   */
  riseTolerance?: number;
}

/**
 * How training went: where validation loss bottomed out, how it ended, the final
 * train-validation gap, and whether it shows signs of overfitting or of stopping too early.
 */
export function describeTraining(
  history: History,
  options: DescribeTrainingOptions = {},
): Observation[] {
  const epochs = historyEpochs(history);
  if (epochs.length === 0)
    throw new ReportInputError('describeTraining: history is empty; pass at least one epoch.');
  const name = options.name ?? 'the model';
  const riseTolerance = options.riseTolerance ?? 0.02;
  const n = epochs.length;
  let bestIndex = 0;
  epochs.forEach((e, i) => {
    if (e.val_loss < epochs[bestIndex]!.val_loss) bestIndex = i;
  });
  const best = epochs[bestIndex]!;
  const last = epochs[n - 1]!;
  const first = epochs[0]!;
  const observations: Observation[] = [];

  const rise = last.val_loss - best.val_loss;
  if (bestIndex === n - 1) {
    observations.push({
      text: `Validation loss was still falling at the last epoch: ${f3(first.val_loss)} after epoch 1, ${f3(last.val_loss)} at epoch ${n}, its lowest, so ${name} might improve with more epochs.`,
      facts: { bestEpoch: n, epochs: n, bestValLoss: best.val_loss, firstValLoss: first.val_loss },
    });
  } else {
    observations.push({
      text: `Validation loss bottomed out at epoch ${bestIndex + 1} of ${n} (${f3(best.val_loss)}, validation accuracy ${f3(best.val_accuracy)}) and ended at ${f3(last.val_loss)}, ${f3(rise)} above its minimum.`,
      facts: {
        bestEpoch: bestIndex + 1,
        epochs: n,
        bestValLoss: best.val_loss,
        bestValAccuracy: best.val_accuracy,
        finalValLoss: last.val_loss,
        riseFromMinimum: rise,
      },
    });
  }

  const accuracyGap = last.accuracy - last.val_accuracy;
  const lossGap = last.val_loss - last.loss;
  observations.push({
    text: `At the final epoch training accuracy is ${f3(last.accuracy)} and validation accuracy ${f3(last.val_accuracy)} (gap ${f3(accuracyGap)}); training loss ${f3(last.loss)} and validation loss ${f3(last.val_loss)} (gap ${f3(lossGap)}).`,
    facts: {
      epoch: n,
      accuracy: last.accuracy,
      valAccuracy: last.val_accuracy,
      accuracyGap,
      loss: last.loss,
      valLoss: last.val_loss,
      lossGap,
    },
  });

  const trainDrop = best.loss - last.loss;
  const rising = bestIndex < n - 1 && rise > riseTolerance * best.val_loss;
  if (rising && trainDrop > 0) {
    observations.push({
      text: `Signs of overfitting: after epoch ${bestIndex + 1} training loss kept falling (${f3(best.loss)} to ${f3(last.loss)}) while validation loss rose (${f3(best.val_loss)} to ${f3(last.val_loss)}).`,
      facts: {
        overfitting: true,
        fromEpoch: bestIndex + 1,
        trainLossDrop: trainDrop,
        valLossRise: rise,
      },
    });
  } else if (rising) {
    observations.push({
      text: `Validation loss rose after epoch ${bestIndex + 1} (${f3(best.val_loss)} to ${f3(last.val_loss)}), but training loss did not fall (${f3(best.loss)} to ${f3(last.loss)}): noisy rather than clearly overfitting.`,
      facts: {
        overfitting: false,
        fromEpoch: bestIndex + 1,
        trainLossDrop: trainDrop,
        valLossRise: rise,
      },
    });
  } else if (bestIndex === n - 1 && n === 1) {
    observations.push({
      text: `One epoch is too few to judge overfitting; after it the accuracy gap is ${f3(accuracyGap)}.`,
      facts: { overfitting: false, epochs: n, accuracyGap },
    });
  } else if (bestIndex === n - 1) {
    // "0.000 above its minimum" would be true but useless: the minimum is the last epoch.
    const previous = epochs[n - 2]!;
    const lastDrop = previous.val_loss - last.val_loss;
    observations.push({
      // The first sentence already says the loss was still falling: this one adds the last
      // epoch's drop and the gap, not the same claim again.
      text: `No sign of overfitting yet: the last epoch still lowered validation loss by ${f3(lastDrop)} (epoch ${n - 1} to ${n}) and the train-validation accuracy gap is ${f3(accuracyGap)}.`,
      facts: { overfitting: false, stillFalling: true, lastEpochDrop: lastDrop, accuracyGap },
    });
  } else {
    observations.push({
      text: `No clear sign of overfitting: validation loss ended ${f3(rise)} above its minimum (within ${formatFixed(riseTolerance * 100, 0)}% of it) and the accuracy gap is ${f3(accuracyGap)}.`,
      facts: { overfitting: false, valLossRise: rise, accuracyGap },
    });
  }
  return observations;
}

/** Part 2 in sentences: who is most accurate, who generalises best, what it costs. */
export function compareModels(rows: readonly ModelComparisonRow[]): Observation[] {
  if (rows.length === 0)
    throw new ReportInputError('compareModels: no models; pass at least one row.');
  const by = (key: (r: ModelComparisonRow) => number, direction: 1 | -1) =>
    [...rows].sort((x, y) => direction * (key(y) - key(x)))[0]!;
  const mostAccurate = by((r) => r.testAccuracy, 1);
  const leastAccurate = by((r) => r.testAccuracy, -1);
  const bestF1 = by((r) => r.macroF1, 1);
  const smallestGap = by((r) => -Math.abs(r.gap.accuracy), 1);
  const largestGap = by((r) => Math.abs(r.gap.accuracy), 1);
  const fastest = by((r) => r.seconds, -1);
  const slowest = by((r) => r.seconds, 1);
  const observations: Observation[] = [
    {
      text: `${mostAccurate.name} has the best test accuracy (${f3(mostAccurate.testAccuracy)}), ${f3(mostAccurate.testAccuracy - leastAccurate.testAccuracy)} above ${leastAccurate.name} (${f3(leastAccurate.testAccuracy)}); the best macro F1 is ${bestF1.name}'s (${f3(bestF1.macroF1)}).`,
      facts: {
        mostAccurate: mostAccurate.name,
        bestAccuracy: mostAccurate.testAccuracy,
        leastAccurate: leastAccurate.name,
        worstAccuracy: leastAccurate.testAccuracy,
        bestMacroF1Model: bestF1.name,
        bestMacroF1: bestF1.macroF1,
      },
    },
    {
      text: `The final train-validation accuracy gap is smallest for ${smallestGap.name} (${f3(smallestGap.gap.accuracy)}) and largest for ${largestGap.name} (${f3(largestGap.gap.accuracy)}).`,
      facts: {
        smallestGapModel: smallestGap.name,
        smallestGap: smallestGap.gap.accuracy,
        largestGapModel: largestGap.name,
        largestGap: largestGap.gap.accuracy,
      },
    },
  ];
  const stoppedEarly = rows.filter((r) => r.epochsRun < Math.max(...rows.map((x) => x.epochsRun)));
  for (const r of stoppedEarly) {
    observations.push({
      text: `${r.name} stopped after ${r.epochsRun} epochs (best epoch ${r.bestEpoch}), taking ${formatSeconds(r.seconds)}.`,
      facts: { model: r.name, epochsRun: r.epochsRun, bestEpoch: r.bestEpoch, seconds: r.seconds },
    });
  }
  observations.push({
    text: `Training took ${formatSeconds(fastest.seconds)} for ${fastest.name} (fastest) to ${formatSeconds(slowest.seconds)} for ${slowest.name} (slowest).`,
    facts: {
      fastest: fastest.name,
      fastestSeconds: fastest.seconds,
      slowest: slowest.name,
      slowestSeconds: slowest.seconds,
    },
  });
  return observations;
}

/** Part 1's disagreement counts in one sentence. */
export function describeDisagreements(counts: {
  aName: string;
  bName: string;
  aRightBWrong: number;
  bRightAWrong: number;
  total: number;
}): Observation {
  const { aName, bName, aRightBWrong, bRightAWrong, total } = counts;
  const pct = (k: number) => `${formatFixed((100 * k) / total, 1)}%`;
  return {
    text: `Of ${total.toLocaleString('en-US')} test images, ${aName} is right and ${bName} wrong on ${aRightBWrong.toLocaleString('en-US')} (${pct(aRightBWrong)}), and ${bName} right and ${aName} wrong on ${bRightAWrong.toLocaleString('en-US')} (${pct(bRightAWrong)}).`,
    facts: { total, [`${aName}RightOnly`]: aRightBWrong, [`${bName}RightOnly`]: bRightAWrong },
  };
}
