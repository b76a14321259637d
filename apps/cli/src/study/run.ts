/**
 * Runs a plan's models for one seed in training workers (runtime/lanes.ts) and follows them
 * from the main thread: progress on stderr, results in plan order, and Ctrl-C answered at once
 * (see runtime/interrupt.ts).
 *
 * Training is single-threaded work, so on a machine with two cores two workers train two
 * models side by side, which nearly halves the study's wall time.
 */
import { availableParallelism } from 'node:os';
import type { EngineName, ModelJob, TrainedModel } from '@fmnist/study';
import { cropPhrase, describeOptimizer } from '@fmnist/study/experiment';
import type { Io } from '../context.js';
import { ENV_BACKEND } from '../runtime/backend-env.js';
import { isolationFor, type TrainingHost } from '../runtime/host.js';
import { runUnits, scheduleUnits, workerCount } from '../runtime/lanes.js';
import type { SharedSplits } from '../runtime/shared-data.js';
import { ProgressRenderer } from './progress.js';

/** What a command trains: an engine, a seed, the study's jobs. */
export interface RunPlan {
  engine: EngineName;
  seed: number;
  jobs: ModelJob[];
  /** The custom engine's backend when it was chosen before (FMNIST_BACKEND=auto). */
  backend?: { name: string; detail: string };
}

export interface TrainingRun {
  models: TrainedModel[];
  /** The backend that ran, e.g. `gpujs:webasm`, and why it was chosen. */
  backend: string;
  backendDetail: string;
  /** How many models trained side by side. */
  lanes: number;
  seconds: number;
}

function describeJob(job: ModelJob): string {
  const optimizer = describeOptimizer(job.optimizer);
  const extra = job.earlyStopping
    ? `, early stopping on val_loss (patience ${job.earlyStopping.patience}, best weights restored)`
    : '';
  const reset = job.resetFrom ? `, reset to ${job.resetFrom}'s initial weights` : '';
  const epochs = `${job.epochs} epoch${job.epochs === 1 ? '' : 's'}`;
  return `${cropPhrase(job.crop)}, ${optimizer}, ${epochs} of batch ${job.batchSize}${extra}${reset}`;
}

export interface RunTrainingOptions {
  io: Io;
  dataDir: string;
  limit: number | undefined;
  /** The data already loaded, shared with the worker threads. */
  data?: SharedSplits;
  /** Called with every trained model as it arrives (e.g. to print its test accuracy). */
  onModel?: (model: TrainedModel, progress: ProgressRenderer) => void;
  /** Where the workers are registered so that Ctrl-C can stop them. */
  register?: (workers: readonly TrainingHost[]) => void;
  /**
   * A lane ran out of work while others still train (runtime/lanes.ts); `log` prints a line
   * above the progress bars.
   */
  onLaneIdle?: (log: (line: string) => void) => void;
}

export async function runTraining(
  plan: RunPlan,
  options: RunTrainingOptions,
): Promise<TrainingRun> {
  const progress = new ProgressRenderer(
    options.io,
    plan.jobs.map((job) => job.name),
  );
  const units = scheduleUnits([plan.seed], plan.jobs);
  const workers = workerCount(options.io.env, units.length, Math.min(2, availableParallelism()));
  const models: TrainedModel[] = [];
  let backend = '';
  let backendDetail = '';
  try {
    await runUnits(units, {
      engine: plan.engine,
      dataDir: options.dataDir,
      limit: options.limit,
      ...(options.data ? { data: options.data } : {}),
      workers,
      isolation: isolationFor(plan.backend?.name ?? options.io.env[ENV_BACKEND]),
      ...(plan.backend ? { backend: plan.backend } : {}),
      ...(options.register ? { register: options.register } : {}),
      ...(options.onLaneIdle
        ? { onLaneIdle: () => options.onLaneIdle?.((line) => progress.line(line)) }
        : {}),
      onMessage: (_unit, message) => {
        switch (message.type) {
          case 'backend':
            if (backend === '') {
              backend = message.backend;
              backendDetail = message.detail;
              progress.line(
                `Training ${plan.jobs.length} model${plan.jobs.length === 1 ? '' : 's'} with the ${plan.engine} engine on ${backend}${workers > 1 ? `, ${workers} side by side` : ''}; ${message.detail}`,
              );
            }
            return;
          case 'model-begin': {
            const job = plan.jobs.find((j) => j.name === message.name);
            progress.modelBegin(message.name, job ? describeJob(job) : '');
            return;
          }
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
          default:
            return;
        }
      },
    });
  } finally {
    progress.finish();
  }
  // In plan order (SPEC order), whatever order the workers finished in.
  const order = plan.jobs.map((j) => j.name);
  models.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return { models, backend, backendDetail, lanes: workers, seconds: progress.elapsedSeconds };
}
