/**
 * The study's six models, defined once (docs/study.md, Parts 1 and 2): architecture, optimizer,
 * epochs, batch size, early stopping, the input crop, and the seed policy. The CLI, the lab
 * page and the cross-check all train what this file plans.
 *
 * Words: a model's **crop** is the part of the image it sees (top, bottom; full for a whole
 * image); Part 2's four **models** differ in their regularisation.
 *
 * Seed policy: every model of a run is built with the run's seed, so the same seed gives the
 * same initial weights in `study`, `part1`, `part2`, `crosscheck` and the lab, and the same
 * batches (nn's one shuffle, forked from the seed). Part 1 trains one network on top, then
 * resets it to its very initial weights and trains it on bottom.
 */
import { denseStack, type ModelSpec, type OptimizerSpec } from '@fmnist/nn';

/** The input shapes of the study: the full image and either half of it. */
export const FULL_SHAPE: readonly number[] = [28, 28];
export const HALF_SHAPE: readonly number[] = [14, 28];

/** Which part of the image a model sees. */
export type Crop = 'top' | 'bottom';

export const PART1_MODELS = ['top', 'bottom'] as const;
export const PART2_MODELS = ['base', 'early-stopping', 'batch-norm', 'dropout'] as const;
export type Part1ModelName = (typeof PART1_MODELS)[number];
export type Part2ModelName = (typeof PART2_MODELS)[number];
export const MODEL_NAMES = [...PART1_MODELS, ...PART2_MODELS] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export type Part = 'part1' | 'part2';

export const PART1_OPTIMIZER: OptimizerSpec = { type: 'sgd', learningRate: 1e-4 };
/** Adam with Keras's defaults (lr 1e-3, betas 0.9 / 0.999, epsilon 1e-7). */
export const PART2_OPTIMIZER: OptimizerSpec = { type: 'adam' };
export const PART1_EPOCHS = 10;
export const PART2_EPOCHS = 15;
export const BATCH_SIZE = 32;
export const EARLY_STOPPING_PATIENCE = 3;
export const DROPOUT_RATE = 0.5;

/** Part 1: Flatten -> Dense(128, relu) -> Dense(64, relu) -> Dense(10, softmax). */
export function part1Spec(name: string, inputShape: readonly number[]): ModelSpec {
  return denseStack(name, inputShape, [128, 64]);
}

/** Part 2: Dense 128 -> 64 -> 32 (ReLU) on the top half, with the model's regulariser. */
export function part2Spec(model: Part2ModelName): ModelSpec {
  return denseStack(model, HALF_SHAPE, [128, 64, 32], {
    batchNormalization: model === 'batch-norm',
    ...(model === 'dropout' ? { dropout: DROPOUT_RATE } : {}),
  });
}

/** One model of the study as a plain, JSON-able job: what to build and how to train it. */
export interface ModelJob {
  name: ModelName;
  part: Part;
  crop: Crop;
  spec: ModelSpec;
  optimizer: OptimizerSpec;
  epochs: number;
  batchSize: number;
  /** Early stopping on val_loss, restoring the best weights. */
  earlyStopping?: { patience: number };
  /**
   * Part 1's bottom model is the top model reset to its very initial weights: it runs on the
   * same network, right after `top`, when both are planned.
   */
  resetFrom?: ModelName;
}

function part1Jobs(epochs: number | undefined): ModelJob[] {
  // One 14x28 network: trained on top, reset to the same initial weights, trained on bottom.
  const spec = part1Spec('half_14x28', HALF_SHAPE);
  return PART1_MODELS.map((name) => ({
    name,
    part: 'part1',
    crop: name,
    spec,
    optimizer: PART1_OPTIMIZER,
    epochs: epochs ?? PART1_EPOCHS,
    batchSize: BATCH_SIZE,
    ...(name === 'bottom' ? { resetFrom: 'top' as const } : {}),
  }));
}

function part2Jobs(epochs: number | undefined): ModelJob[] {
  return PART2_MODELS.map((name) => ({
    name,
    part: 'part2',
    crop: 'top',
    spec: part2Spec(name),
    optimizer: PART2_OPTIMIZER,
    epochs: epochs ?? PART2_EPOCHS,
    batchSize: BATCH_SIZE,
    ...(name === 'early-stopping' ? { earlyStopping: { patience: EARLY_STOPPING_PATIENCE } } : {}),
  }));
}

/** Thrown for a model name the plan does not have; the message lists the ones it has. */
export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
  constructor(
    readonly requested: string,
    readonly known: readonly string[],
  ) {
    super(`Unknown model '${requested}' for this command. Use one of: ${known.join(', ')}`);
  }
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
    ...(parts.includes('part1') ? part1Jobs(options.epochs) : []),
    ...(parts.includes('part2') ? part2Jobs(options.epochs) : []),
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
export function studyEpochs(name: ModelName): number {
  return (PART1_MODELS as readonly string[]).includes(name) ? PART1_EPOCHS : PART2_EPOCHS;
}
