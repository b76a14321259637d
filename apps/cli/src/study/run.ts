/**
 * Runs a plan's models in the training worker and follows them from the main thread:
 * progress on stderr, results in order, and Ctrl-C answered at once (see interrupt.ts).
 */
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
  seconds: number;
}

/** Thrown when the worker stops with an error; carries the worker's message. */
export class TrainingError extends Error {
  override readonly name = 'TrainingError';
}

function describeJob(job: ModelJob): string {
  const optimizer =
    job.optimizer.type === 'sgd' ? `SGD lr ${job.optimizer.learningRate}` : 'Adam (Keras defaults)';
  const extra = job.earlyStopping
    ? `, early stopping on val_loss (patience ${job.earlyStopping.patience}, best weights restored)`
    : '';
  const reset = job.resetFrom ? `, reset to ${job.resetFrom}'s initial weights` : '';
  return `${job.variant} half, ${optimizer}, ${job.epochs} epochs of batch ${job.batchSize}${extra}${reset}`;
}

export interface RunTrainingOptions {
  io: Io;
  dataDir: string;
  limit: number | undefined;
  /** Called with every trained model as it arrives (e.g. to print its test accuracy). */
  onModel?: (model: TrainedModel, progress: ProgressRenderer) => void;
  /** Where the worker is registered so that Ctrl-C can stop it. */
  register?: (worker: Worker | undefined) => void;
}

export function runTraining(plan: RunPlan, options: RunTrainingOptions): Promise<TrainingRun> {
  const progress = new ProgressRenderer(options.io, plan.jobs.length);
  const input: WorkerInput = { plan, dataDir: options.dataDir, limit: options.limit };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: input });
  options.register?.(worker);
  const models: TrainedModel[] = [];
  let backend = '';
  let backendDetail = '';
  let settled = false;
  return new Promise<TrainingRun>((resolve, reject) => {
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      options.register?.(undefined);
      if (error) {
        void worker.terminate();
        reject(error);
      } else {
        resolve({ models, backend, backendDetail, seconds: progress.elapsedSeconds });
      }
    };
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'backend':
          backend = message.backend;
          backendDetail = message.detail;
          progress.line(`Training with the ${plan.engine} engine on ${backend}: ${message.detail}`);
          return;
        case 'model-begin': {
          const job = plan.jobs.find((j) => j.name === message.name);
          progress.modelBegin(message.name, job ? describeJob(job) : '');
          return;
        }
        case 'epoch-begin':
          progress.epochBegin(message.epoch, message.epochs);
          return;
        case 'batch':
          progress.batch(message.progress);
          return;
        case 'epoch-end':
          progress.epochEnd(message.progress);
          return;
        case 'model-end':
          models.push(message.model);
          options.onModel?.(message.model, progress);
          return;
        case 'done':
          void worker.terminate();
          finish();
          return;
        case 'error': {
          const error = new TrainingError(message.message);
          if (message.stack) error.stack = message.stack;
          finish(error);
          return;
        }
      }
    });
    worker.on('error', (error) => finish(error));
    worker.on('exit', (code) => {
      if (!settled) finish(new TrainingError(`the training worker stopped (exit code ${code})`));
    });
  });
}
