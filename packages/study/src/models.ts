/**
 * The study's six models. Their one definition is the experiment file `experiments/study.json`
 * (docs/study.md, Parts 1 and 2; docs/experiments.md for the format): architecture, optimizer,
 * epochs, batch size, early stopping and the input crop. This module reads it through the same
 * loader as `fmnist run` and adds what only the study has: its two parts. The CLI, the lab page
 * and the cross-check all train what this file plans.
 *
 * Words: a model's **crop** is the part of the image it sees (top, bottom; full for a whole
 * image); Part 2's four **models** differ in their regularisation.
 *
 * Seed policy: every model of a run is built with the run's seed, so the same seed gives the
 * same initial weights in `study`, `run`, `part1`, `part2`, `crosscheck` and the lab, and the
 * same batches (nn's one shuffle, forked from the seed). A layer's draws depend only on the seed
 * and its position, so two models of the same architecture start alike: Part 1's bottom model
 * starts from top's very initial weights (`sameInitialWeightsAs: "top"` in the file).
 */
import type { ImageCrop } from '@fmnist/data';
import studyFile from '@fmnist/experiments/study.json' with { type: 'json' };
import type { ModelSpec, OptimizerSpec } from '@fmnist/nn';
import { modelJob, UnknownModelError } from './experiment/jobs.js';
import { type Experiment, type ExperimentModel, parseExperiment } from './experiment/load.js';

export { UnknownModelError };

/** The built-in study, as `fmnist run experiments/study.json` reads it. */
export const STUDY_EXPERIMENT: Experiment = parseExperiment(
  JSON.stringify(studyFile),
  'experiments/study.json',
);

/** The input shapes of the study: the full image and either half of it. */
export const FULL_SHAPE: readonly number[] = [28, 28];
export const HALF_SHAPE: readonly number[] = [14, 28];

/** Which part of the image a model sees (see @fmnist/data's crops). */
export type Crop = ImageCrop;

export const PART1_MODELS = ['top', 'bottom'] as const;
export const PART2_MODELS = ['base', 'early-stopping', 'batch-norm', 'dropout'] as const;
export type Part1ModelName = (typeof PART1_MODELS)[number];
export type Part2ModelName = (typeof PART2_MODELS)[number];
export const MODEL_NAMES = [...PART1_MODELS, ...PART2_MODELS] as const;
/** A model's name: the study's six, or any name an experiment file gives. */
export type ModelName = string;
export type Part = 'part1' | 'part2';

function studyModel(name: (typeof MODEL_NAMES)[number]): ExperimentModel {
  const model = STUDY_EXPERIMENT.models.find((m) => m.name === name);
  if (!model) throw new Error(`experiments/study.json has no model '${name}'`);
  return model;
}

export const PART1_OPTIMIZER: OptimizerSpec = studyModel('top').optimizer;
/** Adam with Keras's defaults (lr 1e-3, betas 0.9 / 0.999, epsilon 1e-7). */
export const PART2_OPTIMIZER: OptimizerSpec = studyModel('base').optimizer;
export const PART1_EPOCHS = studyModel('top').epochs;
export const PART2_EPOCHS = studyModel('base').epochs;
export const BATCH_SIZE = studyModel('top').batchSize;
export const EARLY_STOPPING_PATIENCE = studyModel('early-stopping').earlyStopping?.patience ?? 0;
export const DROPOUT_RATE = (() => {
  const layer = studyModel('dropout').layers.find((l) => l.type === 'dropout');
  return layer?.type === 'dropout' ? layer.rate : 0;
})();

/** Part 1: Flatten -> Dense(128, relu) -> Dense(64, relu) -> Dense(10, softmax). */
export function part1Spec(name: string, inputShape: readonly number[]): ModelSpec {
  return { name, inputShape: [...inputShape], layers: structuredClone(studyModel('top').layers) };
}

/** Part 2: Dense 128 -> 64 -> 32 (ReLU) on the top half, with the model's regulariser. */
export function part2Spec(model: Part2ModelName): ModelSpec {
  return {
    name: model,
    inputShape: [...HALF_SHAPE],
    layers: structuredClone(studyModel(model).layers),
  };
}

/** One model of a study or experiment as a plain, JSON-able job: what to build and how to train it. */
export interface ModelJob {
  name: ModelName;
  /** The study's part the model belongs to; none for an experiment's models. */
  part?: Part;
  crop: Crop;
  spec: ModelSpec;
  optimizer: OptimizerSpec;
  epochs: number;
  batchSize: number;
  /** Early stopping on val_loss, restoring the best weights. */
  earlyStopping?: { patience: number };
  /**
   * The model whose very initial weights this one starts from (Part 1's bottom: top's); the
   * seed's draw for the same architecture, so a worker that never built the owner builds them too.
   */
  resetFrom?: ModelName;
}

function studyJobsOf(part: Part, epochs: number | undefined): ModelJob[] {
  const names: readonly string[] = part === 'part1' ? PART1_MODELS : PART2_MODELS;
  return STUDY_EXPERIMENT.models
    .filter((m) => names.includes(m.name))
    .map((m) => {
      const job = modelJob(m, epochs);
      // Part 1 is one 14x28 network, trained on top and, reset, on bottom.
      return {
        ...job,
        part,
        spec: part === 'part1' ? { ...job.spec, name: 'half_14x28' } : job.spec,
      };
    });
}

/**
 * The jobs of the given parts, in SPEC order (top, bottom; base, early-stopping, batch-norm,
 * dropout), narrowed to `model` when given (UnknownModelError if the parts lack it).
 */
export function planJobs(
  parts: readonly Part[],
  options: { epochs?: number | undefined; model?: string | undefined } = {},
): ModelJob[] {
  const all = [
    ...(parts.includes('part1') ? studyJobsOf('part1', options.epochs) : []),
    ...(parts.includes('part2') ? studyJobsOf('part2', options.epochs) : []),
  ];
  if (options.model === undefined) return all;
  const chosen = all.filter((job) => job.name === options.model);
  if (chosen.length === 0) {
    throw new UnknownModelError(
      options.model,
      all.map((j) => j.name),
    );
  }
  // A lone bottom model starts from the same seeded initial weights as top would: no reset.
  return chosen.map(({ resetFrom: _reset, ...job }) => job);
}

/** Every model of the study, in SPEC order. */
export function studyJobs(epochs?: number): ModelJob[] {
  return planJobs(['part1', 'part2'], { epochs });
}

/** The study's epochs for a model (Part 1: 10, Part 2: 15). */
export function studyEpochs(name: string): number {
  return (PART1_MODELS as readonly string[]).includes(name) ? PART1_EPOCHS : PART2_EPOCHS;
}
