/**
 * What the lab page shows of a trained model and of a part, made from the same results the
 * report is made from: each model's classification report, confusion matrix, worst mistakes
 * (with their whole images) and its files in TF.js's Layers format; Part 1's per-class
 * comparison and disagreements; Part 2's table. Plain data, posted from the worker to the page.
 */
import type { ImageSet } from '@fmnist/data';
import { CLASS_NAMES } from '@fmnist/data';
import { type ModelFile, trainedModelFiles } from '@fmnist/nn';
import { classificationMetrics, classificationReport } from '@fmnist/reports/classification';
import type { ModelJob } from '../models.js';
import {
  type Mistake,
  type ModelResult,
  mostConfidentMistakes,
  part1Result,
  part2Result,
} from '../results.js';
import type { CropSets, TrainedModel } from '../trainer.js';

/** A trained model as the page shows it. */
export interface TrainedModelView {
  report: string;
  accuracy: number;
  /** confusionMatrix[true][predicted] on the test set. */
  confusionMatrix: number[][];
  /** The most confident mistakes, with each image's pixels (28x28). */
  mistakes: (Mistake & { pixels: Uint8Array })[];
  /** The trained model in TF.js's Layers format: model.json and its weights file. */
  files: ModelFile[];
}

export function trainedModelView(
  job: ModelJob,
  model: TrainedModel,
  sets: CropSets,
  test: ImageSet,
  seed: number,
): TrainedModelView {
  const metrics = classificationMetrics(sets.test.y, model.predictions, CLASS_NAMES);
  const size = test.rows * test.cols;
  return {
    report: classificationReport(metrics),
    accuracy: metrics.accuracy,
    confusionMatrix: metrics.confusionMatrix,
    // Whole images, whatever crop the model saw.
    mistakes: mostConfidentMistakes(model.predictions, model.confidence, test.labels).map((m) => ({
      ...m,
      pixels: test.pixels.slice(m.index * size, (m.index + 1) * size),
    })),
    // The model as `--save-models` keeps it, for the page's download links.
    files: trainedModelFiles(job.spec, model.weights, {
      generatedBy: 'fmnist-lab (lab page)',
      metadata: {
        fmnist: {
          model: model.name,
          crop: job.crop,
          seed,
          engine: model.engine,
          backend: model.backend,
          epochsRun: model.epochsRun,
          testAccuracy: metrics.accuracy,
        },
      },
    }),
  };
}

/** Part 1's comparison: per class, top against bottom, and where one is right and one wrong. */
export interface Part1View {
  perClass: { class: string; top: number; bottom: number }[];
  observations: string[];
  disagreements: {
    title: string;
    count: number;
    images: { pixels: Uint8Array; caption: string }[];
  }[];
}

/** Part 2's comparison table, as the report has it. */
export interface Part2View {
  rows: {
    name: string;
    testAccuracy: number;
    macroF1: number;
    bestEpoch: number;
    epochsRun: number;
    lossGap: number;
    accuracyGap: number;
    params: number;
    seconds: number;
  }[];
  observations: string[];
}

export function part1View(results: ModelResult[], test: ImageSet): Part1View {
  const p1 = part1Result(results, test.labels);
  const size = test.rows * test.cols;
  const images = (set: { first: { index: number; trueName: string; predictedName: string }[] }) =>
    set.first.map((c) => ({
      pixels: test.pixels.slice(c.index * size, (c.index + 1) * size),
      caption: `#${c.index}: a ${c.trueName}, taken for a ${c.predictedName}`,
    }));
  const d = p1.disagreements;
  return {
    perClass: (p1.perClass ?? []).map((r) => ({
      class: r.class,
      top: r.top.f1,
      bottom: r.bottom.f1,
    })),
    observations: p1.observations.map((o) => o.text),
    disagreements: d
      ? [
          {
            title: 'top right, bottom wrong',
            count: d.topRightBottomWrong.count,
            images: images(d.topRightBottomWrong),
          },
          {
            title: 'bottom right, top wrong',
            count: d.bottomRightTopWrong.count,
            images: images(d.bottomRightTopWrong),
          },
        ]
      : [],
  };
}

export function part2View(results: ModelResult[]): Part2View {
  const p2 = part2Result(results);
  return {
    rows: p2.comparison.map((r) => ({
      name: r.name,
      testAccuracy: r.testAccuracy,
      macroF1: r.macroF1,
      bestEpoch: r.bestEpoch,
      epochsRun: r.epochsRun,
      lossGap: r.gap.loss,
      accuracyGap: r.gap.accuracy,
      params: r.params,
      seconds: r.seconds,
    })),
    observations: p2.observations.map((o) => o.text),
  };
}
