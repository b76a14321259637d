/**
 * From trained models to results: the per-model JSON the SPEC names (params, history, best
 * epoch, test metrics with every prediction and the classification report), and the
 * comparisons of Part 1 (top vs bottom, disagreements) and Part 2 (the four regularisers).
 * Every observation is computed here from this run's numbers and carries them as `facts`.
 */

import { JsBackend } from '@fmnist/core';
import { CLASS_NAMES, describeCrop } from '@fmnist/data';
import { Sequential } from '@fmnist/nn';
import {
  type AverageMetrics,
  type ClassMetrics,
  classificationMetrics,
  classificationReport,
  compareClasses,
  compareModels,
  describeDisagreements,
  describeTraining,
  type ModelComparisonRow,
  type Observation,
  trainValidationGap,
} from '@fmnist/reports/comparisons';
import {
  type Crop,
  FULL_SHAPE,
  HALF_SHAPE,
  type ModelName,
  type Part,
  part1Spec,
} from './models.js';
import type { Part1Seeds, Part2Seeds } from './seeds.js';
import type { EpochLogs, TrainedModel } from './trainer.js';

export interface TestResult {
  accuracy: number;
  correct: number;
  samples: number;
  /** Per class, in label order: precision, recall, f1, support. */
  classes: ClassMetrics[];
  macroAvg: AverageMetrics;
  weightedAvg: AverageMetrics;
  /** confusionMatrix[true][predicted]. */
  confusionMatrix: number[][];
  /** The predicted label of every test image, in test order. */
  predictions: number[];
  /** The most confident wrong predictions, most confident first (MISTAKES_SHOWN of them). */
  mistakes: Mistake[];
  /** scikit-learn's classification_report text. */
  report: string;
}

/** A test image the model got wrong, and how sure it was. */
export interface Mistake {
  /** The image's index in the test set. */
  index: number;
  /** Its true label. */
  label: number;
  /** The label the model gave it. */
  predicted: number;
  /** The probability the model gave `predicted`. */
  probability: number;
}

/** How many of a model's most confident mistakes a result keeps (and the report shows). */
export const MISTAKES_SHOWN = 12;

/**
 * The test images a model got wrong with the highest probability on its wrong answer, most
 * confident first (the lower index first on a tie): where a learner sees what the model "thinks".
 */
export function mostConfidentMistakes(
  predictions: ArrayLike<number>,
  confidence: ArrayLike<number>,
  labels: ArrayLike<number>,
  count = MISTAKES_SHOWN,
): Mistake[] {
  const wrong: Mistake[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (predictions[i] !== labels[i]) {
      wrong.push({
        index: i,
        label: labels[i]!,
        predicted: predictions[i]!,
        probability: confidence[i]!,
      });
    }
  }
  wrong.sort((a, b) => b.probability - a.probability || a.index - b.index);
  return wrong.slice(0, count);
}

export interface ModelResult {
  name: ModelName;
  /** The study's part; none for an experiment's models. */
  part?: Part;
  /** The part of the image the model sees. */
  crop: Crop;
  engine: string;
  backend: string;
  params: { total: number; trainable: number; nonTrainable: number };
  /** One entry per epoch run (epoch is 1-based). */
  history: (EpochLogs & { epoch: number })[];
  bestEpoch: number;
  epochsRun: number;
  epochsPlanned: number;
  stoppedEarly: boolean;
  restoredEpoch: number | null;
  /** SHA-256 of the initial weights (float32 little-endian, Keras order). */
  initialWeightsSha256: string;
  /** Training time (fit, validation included), seconds. */
  seconds: number;
  /** Seconds of each epoch run, its validation included (bench: compare within one run). */
  epochSeconds: number[];
  test: TestResult;
  summary: string;
  observations: Observation[];
}

export function modelResult(model: TrainedModel, testLabels: ArrayLike<number>): ModelResult {
  const metrics = classificationMetrics(testLabels, model.predictions, CLASS_NAMES);
  const observations = describeTraining(model.history, { name: model.name });
  if (model.restoredEpoch !== null) {
    observations.push({
      text: model.stoppedEarly
        ? `Early stopping ended training after epoch ${model.epochsRun} of ${model.epochsPlanned}: validation loss had not gone below epoch ${model.restoredEpoch}'s (${model.history[model.restoredEpoch - 1]!.val_loss.toFixed(3)}) for ${model.epochsRun - model.restoredEpoch} epochs. The weights of epoch ${model.restoredEpoch} were restored, so the test figures are theirs.`
        : `Early stopping did not fire within ${model.epochsPlanned} epochs; the weights of epoch ${model.restoredEpoch}, the lowest validation loss (${model.history[model.restoredEpoch - 1]!.val_loss.toFixed(3)}), were restored at the end, so the test figures are theirs.`,
      facts: {
        stoppedEarly: model.stoppedEarly,
        epochsRun: model.epochsRun,
        epochsPlanned: model.epochsPlanned,
        restoredEpoch: model.restoredEpoch,
      },
    });
  }
  observations.push({
    text: `On the test set ${model.name} classifies ${metrics.correct.toLocaleString('en-US')} of ${metrics.n.toLocaleString('en-US')} images correctly (accuracy ${metrics.accuracy.toFixed(4)}, macro F1 ${metrics.macroAvg.f1.toFixed(4)}); its weakest class is ${weakest(metrics.classes).name} (F1 ${weakest(metrics.classes).f1.toFixed(3)}) and its strongest ${strongest(metrics.classes).name} (F1 ${strongest(metrics.classes).f1.toFixed(3)}).`,
    facts: {
      testAccuracy: metrics.accuracy,
      macroF1: metrics.macroAvg.f1,
      weakestClass: weakest(metrics.classes).name,
      weakestF1: weakest(metrics.classes).f1,
      strongestClass: strongest(metrics.classes).name,
      strongestF1: strongest(metrics.classes).f1,
    },
  });
  return {
    name: model.name,
    ...(model.part ? { part: model.part } : {}),
    crop: model.crop,
    engine: model.engine,
    backend: model.backend,
    params: model.params,
    history: model.history.map((e, i) => ({ epoch: i + 1, ...e })),
    bestEpoch: model.bestEpoch,
    epochsRun: model.epochsRun,
    epochsPlanned: model.epochsPlanned,
    stoppedEarly: model.stoppedEarly,
    restoredEpoch: model.restoredEpoch,
    initialWeightsSha256: model.initialWeightsSha256,
    seconds: model.seconds,
    epochSeconds: model.epochSeconds.map((t) => Math.round(t * 1000) / 1000),
    test: {
      accuracy: metrics.accuracy,
      correct: metrics.correct,
      samples: metrics.n,
      classes: metrics.classes,
      macroAvg: metrics.macroAvg,
      weightedAvg: metrics.weightedAvg,
      confusionMatrix: metrics.confusionMatrix,
      predictions: Array.from(model.predictions),
      mistakes: mostConfidentMistakes(model.predictions, model.confidence, testLabels),
      report: classificationReport(metrics),
    },
    summary: model.summary,
    observations,
  };
}

function weakest(classes: readonly ClassMetrics[]): ClassMetrics {
  return classes.reduce((a, b) => (b.f1 < a.f1 ? b : a));
}

function strongest(classes: readonly ClassMetrics[]): ClassMetrics {
  return classes.reduce((a, b) => (b.f1 > a.f1 ? b : a));
}

// -----------------------------------------------------------------------------------------
// Part 1

export interface DisagreementCase {
  /** Index in the test set. */
  index: number;
  trueLabel: number;
  trueName: string;
  /** What the other (wrong) model predicted. */
  predicted: number;
  predictedName: string;
}

export interface DisagreementSet {
  /** Which model is right, which is wrong. */
  right: ModelName;
  wrong: ModelName;
  count: number;
  /** The first five, in test order. */
  first: DisagreementCase[];
}

export interface Part1Result {
  models: ModelResult[];
  /** Keras summaries of the two architectures (before training). */
  summaries: { full: string; half: string };
  /** Whether top and bottom started from the same initial weights (null: one model ran). */
  sameInitialWeights: boolean | null;
  /** Per class, top vs bottom (null: one model ran). */
  perClass: { class: string; top: Scores; bottom: Scores }[] | null;
  observations: Observation[];
  disagreements: {
    topRightBottomWrong: DisagreementSet;
    bottomRightTopWrong: DisagreementSet;
  } | null;
  /** With several seeds: the statistics over them (the observations are then theirs). */
  seeds?: Part1Seeds;
}

interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

/** The two Part 1 architectures as the custom engine builds them (for summaries, diagrams). */
export function part1Architectures(): { full: Sequential; half: Sequential } {
  const backend = new JsBackend();
  return {
    full: new Sequential(part1Spec('full_28x28', FULL_SHAPE), { backend }),
    half: new Sequential(part1Spec('half_14x28', HALF_SHAPE), { backend }),
  };
}

function disagreementSet(
  right: ModelResult,
  wrong: ModelResult,
  labels: ArrayLike<number>,
): DisagreementSet {
  const cases: DisagreementCase[] = [];
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = wrong.test.predictions[i]!;
    if (right.test.predictions[i] === t && p !== t) {
      count++;
      if (cases.length < 5) {
        cases.push({
          index: i,
          trueLabel: t,
          trueName: CLASS_NAMES[t]!,
          predicted: p,
          predictedName: CLASS_NAMES[p]!,
        });
      }
    }
  }
  return { right: right.name, wrong: wrong.name, count, first: cases };
}

export function part1Result(models: ModelResult[], labels: ArrayLike<number>): Part1Result {
  const { full, half } = part1Architectures();
  const summaries = { full: full.summary(), half: half.summary() };
  const top = models.find((m) => m.name === 'top');
  const bottom = models.find((m) => m.name === 'bottom');
  if (!top || !bottom) {
    return {
      models,
      summaries,
      sameInitialWeights: null,
      perClass: null,
      observations: [],
      disagreements: null,
    };
  }
  const observations = compareClasses(
    { name: 'top', classes: top.test.classes },
    { name: 'bottom', classes: bottom.test.classes },
  );
  const accuracyGap = top.test.accuracy - bottom.test.accuracy;
  observations.unshift({
    text: `Test accuracy is ${top.test.accuracy.toFixed(4)} from the top half and ${bottom.test.accuracy.toFixed(4)} from the bottom half: the ${accuracyGap >= 0 ? 'top' : 'bottom'} half carries more of the information here, by ${Math.abs(accuracyGap * 100).toFixed(2)} percentage points, with the same network, the same initial weights and the same batches.`,
    facts: {
      topAccuracy: top.test.accuracy,
      bottomAccuracy: bottom.test.accuracy,
      difference: accuracyGap,
      sameInitialWeights: top.initialWeightsSha256 === bottom.initialWeightsSha256,
    },
  });
  const topRight = disagreementSet(top, bottom, labels);
  const bottomRight = disagreementSet(bottom, top, labels);
  observations.push(
    describeDisagreements({
      aName: 'top',
      bName: 'bottom',
      aRightBWrong: topRight.count,
      bRightAWrong: bottomRight.count,
      total: labels.length,
    }),
  );
  return {
    models,
    summaries,
    sameInitialWeights: top.initialWeightsSha256 === bottom.initialWeightsSha256,
    perClass: CLASS_NAMES.map((name, c) => ({
      class: name,
      top: pick(top.test.classes[c]!),
      bottom: pick(bottom.test.classes[c]!),
    })),
    observations,
    disagreements: { topRightBottomWrong: topRight, bottomRightTopWrong: bottomRight },
  };
}

function pick(c: ClassMetrics): Scores {
  return { precision: c.precision, recall: c.recall, f1: c.f1 };
}

// -----------------------------------------------------------------------------------------
// Part 2

export interface Part2Result {
  models: ModelResult[];
  comparison: ModelComparisonRow[];
  observations: Observation[];
  /** With several seeds: the statistics over them (the observations are then theirs). */
  seeds?: Part2Seeds;
}

export function part2Result(models: ModelResult[]): Part2Result {
  const comparison: ModelComparisonRow[] = models.map((m) => ({
    name: m.name,
    testAccuracy: m.test.accuracy,
    macroF1: m.test.macroAvg.f1,
    bestEpoch: m.bestEpoch,
    epochsRun: m.epochsRun,
    gap: trainValidationGap(m.history),
    params: m.params.total,
    seconds: m.seconds,
  }));
  return {
    models,
    comparison,
    // Comparing one model with itself says nothing; --model runs get no comparison sentences.
    observations: comparison.length > 1 ? compareModels(comparison) : [],
  };
}

// -----------------------------------------------------------------------------------------
// An experiment's comparisons: a pair as Part 1 compares top and bottom, a group as Part 2.

/** Two models set side by side, class by class, with the images they disagree on. */
export interface PairComparison {
  kind: 'pair';
  title: string;
  models: [string, string];
  /** Whether both started from the same initial weights (the same SHA-256). */
  sameInitialWeights: boolean;
  /** Per class, in label order: the first model's scores (`a`) and the second's (`b`). */
  perClass: { class: string; a: Scores; b: Scores }[];
  observations: Observation[];
  /** The first right and the second wrong; then the reverse. */
  disagreements: [DisagreementSet, DisagreementSet];
  /** With several seeds: Part 1's statistics over them for this pair. */
  seeds?: Part1Seeds;
}

/** Several models in one table, each tested against the first over seeds. */
export interface GroupComparison {
  kind: 'group';
  title: string;
  models: string[];
  comparison: ModelComparisonRow[];
  observations: Observation[];
  /** With several seeds: Part 2's statistics over them, each model against the first. */
  seeds?: Part2Seeds;
}

export type Comparison = PairComparison | GroupComparison;

/** Part 1's treatment for any two models (same test set, any crops). */
export function pairComparison(
  a: ModelResult,
  b: ModelResult,
  labels: ArrayLike<number>,
  title = `${a.name} vs ${b.name}`,
): PairComparison {
  const sameInitialWeights = a.initialWeightsSha256 === b.initialWeightsSha256;
  const observations = compareClasses(
    { name: a.name, classes: a.test.classes },
    { name: b.name, classes: b.test.classes },
  );
  const gap = a.test.accuracy - b.test.accuracy;
  observations.unshift({
    text: `Test accuracy is ${a.test.accuracy.toFixed(4)} for ${a.name}, which sees the ${describeCrop(a.crop)}, and ${b.test.accuracy.toFixed(4)} for ${b.name}, which sees the ${describeCrop(b.crop)}: ${gap === 0 ? 'the two are level' : `${gap > 0 ? a.name : b.name} is ahead by ${Math.abs(gap * 100).toFixed(2)} percentage points`}${sameInitialWeights ? ', from the same initial weights and with the same batches' : ''}.`,
    facts: {
      aAccuracy: a.test.accuracy,
      bAccuracy: b.test.accuracy,
      difference: gap,
      sameInitialWeights,
    },
  });
  const aRight = disagreementSet(a, b, labels);
  const bRight = disagreementSet(b, a, labels);
  observations.push(
    describeDisagreements({
      aName: a.name,
      bName: b.name,
      aRightBWrong: aRight.count,
      bRightAWrong: bRight.count,
      total: labels.length,
    }),
  );
  return {
    kind: 'pair',
    title,
    models: [a.name, b.name],
    sameInitialWeights,
    perClass: CLASS_NAMES.map((name, c) => ({
      class: name,
      a: pick(a.test.classes[c]!),
      b: pick(b.test.classes[c]!),
    })),
    observations,
    disagreements: [aRight, bRight],
  };
}

/** Part 2's treatment for any group of models: one table, and what it shows. */
export function groupComparison(models: ModelResult[], title?: string): GroupComparison {
  const { comparison, observations } = part2Result(models);
  return {
    kind: 'group',
    title: title ?? models.map((m) => m.name).join(', '),
    models: models.map((m) => m.name),
    comparison,
    observations,
  };
}
