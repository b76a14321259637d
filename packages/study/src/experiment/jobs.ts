/**
 * From an experiment to the jobs the trainers run: one ModelJob per model, in file order, its
 * spec's input shape from its crop. `sameInitialWeightsAs` becomes the job's `resetFrom`.
 */
import { cropInputShape } from '@fmnist/data';
import type { ModelJob } from '../models.js';
import type { Experiment, ExperimentModel } from './load.js';

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

export interface PlanOptions {
  /** --epochs: every model's epochs. */
  epochs?: number | undefined;
  /** --model NAME: only that model (UnknownModelError when the file has none of that name). */
  model?: string | undefined;
}

export function modelJob(model: ExperimentModel, epochs?: number): ModelJob {
  return {
    name: model.name,
    crop: model.crop,
    spec: { name: model.name, inputShape: cropInputShape(model.crop), layers: model.layers },
    optimizer: model.optimizer,
    epochs: epochs ?? model.epochs,
    batchSize: model.batchSize,
    ...(model.earlyStopping ? { earlyStopping: { ...model.earlyStopping } } : {}),
    ...(model.sameInitialWeightsAs !== undefined ? { resetFrom: model.sameInitialWeightsAs } : {}),
  };
}

/** The experiment's jobs in file order, narrowed to `options.model` when given. */
export function experimentJobs(experiment: Experiment, options: PlanOptions = {}): ModelJob[] {
  const all = experiment.models.map((m) => modelJob(m, options.epochs));
  if (options.model === undefined) return all;
  const chosen = all.filter((job) => job.name === options.model);
  if (chosen.length === 0) {
    throw new UnknownModelError(
      options.model,
      all.map((j) => j.name),
    );
  }
  // A lone model starts from the seed's draw, which is its owner's initial weights too.
  return chosen.map(({ resetFrom: _reset, ...job }) => job);
}

/** Training work of a plan: epochs and image passes (for the notice before a long run). */
export function plannedWork(
  jobs: readonly ModelJob[],
  trainingImages: number,
): { epochs: number; imagePasses: number } {
  const epochs = jobs.reduce((sum, j) => sum + j.epochs, 0);
  return { epochs, imagePasses: epochs * trainingImages };
}
