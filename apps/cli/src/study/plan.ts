/**
 * What a command trains: the study's six models, each as a plain, JSON-able job that the
 * training worker (worker.ts) can run on its own. `--model`, `--epochs` and the command pick
 * the jobs; everything else (architecture, optimizer, epochs, batch size) is the study's.
 */
import {
  HALF_SHAPE,
  type ModelSpec,
  type OptimizerSpec,
  PART1_OPTIMIZER,
  PART2_OPTIMIZER,
  PART2_VARIANTS,
  type Part2Variant,
  part1Spec,
  part2Spec,
} from '@fmnist/nn';
import { UsageError } from '../errors.js';
import type { Engine } from '../options.js';

export const PART1_MODELS = ['top', 'bottom'] as const;
export const PART2_MODELS: readonly Part2Variant[] = PART2_VARIANTS;
export const MODEL_NAMES = [...PART1_MODELS, ...PART2_MODELS] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export type Part = 'part1' | 'part2';

/** The study's settings (SPEC.md, Parts 1 and 2). */
export const PART1_EPOCHS = 10;
export const PART2_EPOCHS = 15;
export const BATCH_SIZE = 32;
export const EARLY_STOPPING_PATIENCE = 3;

export interface ModelJob {
  name: ModelName;
  part: Part;
  /** Which half of the images the model sees. */
  variant: 'top' | 'bottom';
  spec: ModelSpec;
  optimizer: OptimizerSpec;
  epochs: number;
  batchSize: number;
  /** Early stopping on val_loss, restoring the best weights. */
  earlyStopping?: { patience: number };
  /**
   * Part 1's bottom model is the top model reset to its very initial weights: it runs on the
   * same network object, right after `top`, when both are planned.
   */
  resetFrom?: ModelName;
}

export interface RunPlan {
  engine: Engine;
  seed: number;
  jobs: ModelJob[];
}

function part1Jobs(epochs: number | undefined): ModelJob[] {
  // One 14x28 network: trained on top, reset to the same initial weights, trained on bottom.
  const spec = part1Spec('half_14x28', HALF_SHAPE);
  return PART1_MODELS.map((name) => ({
    name,
    part: 'part1',
    variant: name,
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
    variant: 'top',
    spec: part2Spec(name),
    optimizer: PART2_OPTIMIZER,
    epochs: epochs ?? PART2_EPOCHS,
    batchSize: BATCH_SIZE,
    ...(name === 'early-stopping' ? { earlyStopping: { patience: EARLY_STOPPING_PATIENCE } } : {}),
  }));
}

/**
 * The jobs of a command, in SPEC order (top, bottom; base, early-stopping, batch-norm,
 * dropout), narrowed to `model` when given. A model the command does not train is a usage
 * error that lists the ones it does.
 */
export function planJobs(
  parts: readonly Part[],
  options: { epochs?: number | undefined; model?: string | undefined },
): ModelJob[] {
  const all = [
    ...(parts.includes('part1') ? part1Jobs(options.epochs) : []),
    ...(parts.includes('part2') ? part2Jobs(options.epochs) : []),
  ];
  if (options.model === undefined) return all;
  const chosen = all.filter((job) => job.name === options.model);
  if (chosen.length === 0) {
    throw new UsageError(
      `Unknown model '${options.model}' for this command. Use one of: ${all.map((j) => j.name).join(', ')}`,
    );
  }
  // A lone bottom model starts from the same seeded initial weights as top would: no reset.
  return chosen.map(({ resetFrom: _reset, ...job }) => job);
}
