/**
 * From an experiment to the jobs the trainers run: one ModelJob per model, in file order, its
 * spec's input shape from its crop. `sameInitialWeightsAs` becomes the job's `resetFrom`.
 */
import { cropInputShape, describeCrop } from '@fmnist/data';
import type { OptimizerSpec } from '@fmnist/nn';
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

/**
 * An optimizer as a reader meets it: `SGD lr 0.0001`, `SGD lr 0.01, momentum 0.9, Nesterov`,
 * `Adam (Keras defaults)`, `RMSprop (rho 0.8, centered; the rest Keras defaults)`.
 */
export function describeOptimizer(o: OptimizerSpec): string {
  if (o.type === 'sgd') {
    const momentum = o.momentum ? `, momentum ${o.momentum}${o.nesterov ? ', Nesterov' : ''}` : '';
    return `SGD lr ${o.learningRate}${momentum}`;
  }
  const name = o.type === 'adam' ? 'Adam' : 'RMSprop';
  const given = Object.entries(o).filter(([k]) => k !== 'type');
  if (given.length === 0) return `${name} (Keras defaults)`;
  const text = given.map(([k, v]) => (v === true ? k : `${k === 'learningRate' ? 'lr' : k} ${v}`));
  return `${name} (${text.join(', ')}; the rest Keras defaults)`;
}

/** A named crop as the progress says it (`top half`), a window as describeCrop does. */
export function cropPhrase(crop: ModelJob['crop']): string {
  return typeof crop === 'string' && crop !== 'full' ? `${crop} half` : describeCrop(crop);
}
