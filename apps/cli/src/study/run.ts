/**
 * Runs a plan's models in training workers and follows them from the main thread: progress
 * on stderr, results in plan order, and Ctrl-C answered at once (see interrupt.ts).
 *
 * Training is single-threaded work, so on a machine with two cores two workers train two
 * models side by side (lanes), which nearly halves the study's wall time. Part 1's bottom
 * model stays in the same lane as top: it is top's network reset to its initial weights.
 * Each model's numbers depend only on the seed, never on which lane ran it.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Io } from '../context.js';
import type { TrainedModel, WorkerInput, WorkerMessage } from './messages.js';
import type { ModelJob, RunPlan } from './plan.js';
import { ProgressRenderer } from './progress.js';

export interface TrainingRun {
  models: TrainedModel[];
  /** The backend that ran, e.g. `gpujs:webasm`, and why it was chosen. */
  backend: string;
  backendDetail: string;
  /** How many models trained side by side. */
  lanes: number;
  seconds: number;
}

/**
 * Thrown when a worker stops with an error; carries the worker's message, and the name of the
 * error the worker threw (e.g. `NonFiniteLossError`) so the CLI can tell a typed, user-facing
 * failure from a bug.
 */
export class TrainingError extends Error {
  override readonly name = 'TrainingError';
  constructor(
    message: string,
    /** The `name` of the error thrown in the worker; undefined when the worker just stopped. */
    readonly workerErrorName?: string,
  ) {
    super(message);
  }
}

/** Environment variable: how many models may train at once (default: min(2, cores)). */
export const ENV_WORKERS = 'FMNIST_WORKERS';

function describeJob(job: ModelJob): string {
  const optimizer =
    job.optimizer.type === 'sgd' ? `SGD lr ${job.optimizer.learningRate}` : 'Adam (Keras defaults)';
  const extra = job.earlyStopping
    ? `, early stopping on val_loss (patience ${job.earlyStopping.patience}, best weights restored)`
    : '';
  const reset = job.resetFrom ? `, reset to ${job.resetFrom}'s initial weights` : '';
  const epochs = `${job.epochs} epoch${job.epochs === 1 ? '' : 's'}`;
  return `${job.variant} half, ${optimizer}, ${epochs} of batch ${job.batchSize}${extra}${reset}`;
}

export function laneCount(io: Io, jobs: number): number {
  const asked = Number(io.env[ENV_WORKERS]);
  const wanted =
    Number.isInteger(asked) && asked >= 1 ? asked : Math.min(2, availableParallelism());
  return Math.max(1, Math.min(wanted, jobs));
}

/**
 * Splits the jobs into lanes of about equal work (planned epochs), longest first; a job that
 * resets from another goes with it.
 */
export function splitLanes(jobs: readonly ModelJob[], lanes: number): ModelJob[][] {
  const units: ModelJob[][] = [];
  for (const job of jobs) {
    const owner = job.resetFrom
      ? units.find((u) => u.some((j) => j.name === job.resetFrom))
      : undefined;
    if (owner) owner.push(job);
    else units.push([job]);
  }
  const cost = (unit: readonly ModelJob[]) => unit.reduce((s, j) => s + j.epochs, 0);
  const result: ModelJob[][] = Array.from({ length: lanes }, () => []);
  for (const unit of [...units].sort((a, b) => cost(b) - cost(a))) {
    const lightest = result.reduce((a, b) => (cost(b) < cost(a) ? b : a));
    lightest.push(...unit);
  }
  return result.filter((lane) => lane.length > 0);
}

export interface RunTrainingOptions {
  io: Io;
  dataDir: string;
  limit: number | undefined;
  /** Called with every trained model as it arrives (e.g. to print its test accuracy). */
  onModel?: (model: TrainedModel, progress: ProgressRenderer) => void;
  /** Where the workers are registered so that Ctrl-C can stop them. */
  register?: (workers: readonly Worker[]) => void;
}

export async function runTraining(
  plan: RunPlan,
  options: RunTrainingOptions,
): Promise<TrainingRun> {
  const progress = new ProgressRenderer(options.io, plan.jobs.length);
  const lanes = splitLanes(plan.jobs, laneCount(options.io, plan.jobs.length));
  const workers = lanes.map(
    (jobs) =>
      new Worker(new URL('./worker.js', import.meta.url), {
        workerData: {
          plan: { ...plan, jobs },
          dataDir: options.dataDir,
          limit: options.limit,
        } satisfies WorkerInput,
      }),
  );
  options.register?.(workers);
  const models: TrainedModel[] = [];
  let backend = '';
  let backendDetail = '';
  try {
    await Promise.all(
      workers.map((worker) =>
        follow(worker, (message) => {
          switch (message.type) {
            case 'backend':
              if (backend === '') {
                backend = message.backend;
                backendDetail = message.detail;
                progress.line(
                  `Training ${plan.jobs.length} model${plan.jobs.length === 1 ? '' : 's'} with the ${plan.engine} engine on ${backend}${lanes.length > 1 ? `, ${lanes.length} side by side` : ''}; ${message.detail}`,
                );
              }
              return;
            case 'model-begin': {
              const job = plan.jobs.find((j) => j.name === message.name);
              progress.modelBegin(message.name, job ? describeJob(job) : '');
              return;
            }
            case 'epoch-begin':
              return;
            case 'batch':
              progress.batch(message.name, message.progress);
              return;
            case 'epoch-end':
              progress.epochEnd(message.name, message.progress);
              return;
            case 'model-end':
              progress.modelEnd(message.model.name);
              models.push(message.model);
              options.onModel?.(message.model, progress);
              return;
          }
        }),
      ),
    );
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  } finally {
    progress.finish();
    options.register?.([]);
  }
  // In plan order (SPEC order), whatever order the lanes finished in.
  const order = plan.jobs.map((j) => j.name);
  models.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return { models, backend, backendDetail, lanes: lanes.length, seconds: progress.elapsedSeconds };
}

/** Resolves when the worker says it is done; rejects on its error or an early exit. */
function follow(worker: Worker, onMessage: (message: WorkerMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'done') settle();
      else if (message.type === 'error') {
        const error = new TrainingError(message.message, message.errorName);
        if (message.stack) error.stack = message.stack;
        settle(error);
      } else {
        try {
          onMessage(message);
        } catch (error) {
          settle(error instanceof Error ? error : new Error(String(error)));
        }
      }
    });
    worker.on('error', (error) => settle(error));
    worker.on('exit', (code) =>
      settle(new TrainingError(`a training worker stopped (exit code ${code})`)),
    );
  });
}
