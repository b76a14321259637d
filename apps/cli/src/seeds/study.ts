/**
 * `--seeds N` in the study's commands, kept to a few calls in study/execute.ts:
 *
 * - `trainerFor(n)`: runTraining itself for one seed; for more, a stand-in with the same
 *   signature that trains under every seed (seeds/runner.ts) and hands back the first seed's
 *   models, so every single-run section, figure and JSON field stays as it was;
 * - the statistics over seeds themselves are part of @fmnist/study's `studyResult` and
 *   `experimentResult`, given the runs as `training.seeds`.
 */
import { deriveSeeds } from '@fmnist/study';
import {
  type RunPlan,
  type RunTrainingOptions,
  runTraining,
  type TrainingRun,
} from '../study/run.js';
import { runSeeds, type SeedsTraining } from './runner.js';

export type SeededTraining = TrainingRun & { seeds?: SeedsTraining };
export type Trainer = (plan: RunPlan, options: RunTrainingOptions) => Promise<SeededTraining>;

/** The `--seeds` value as parsed (1 when the command has no such option). */
export function seedCountOf(options: Record<string, unknown>): number {
  return typeof options.seeds === 'number' ? options.seeds : 1;
}

export function trainerFor(seedCount: number): Trainer {
  if (seedCount <= 1) return runTraining;
  return async (plan, options) => {
    const seeds = await runSeeds(plan, deriveSeeds(plan.seed, seedCount), options);
    return {
      models: seeds.runs[0]!.models,
      backend: seeds.backend,
      backendDetail: seeds.backendDetail,
      lanes: seeds.workers,
      seconds: seeds.seconds,
      seeds,
    };
  };
}
