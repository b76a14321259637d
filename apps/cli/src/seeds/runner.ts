/**
 * The multi-seed runner: every planned model under every seed, on the one scheduler
 * (runtime/lanes.ts) with one worker per core.
 */
import { availableParallelism } from 'node:os';
import type { TrainedModel } from '@fmnist/study';
import type { Io } from '../context.js';
import { ENV_BACKEND } from '../runtime/backend-env.js';
import { isolationFor, type TrainingHost } from '../runtime/host.js';
import { runUnits, scheduleUnits, workerCount } from '../runtime/lanes.js';
import type { SharedSplits } from '../runtime/shared-data.js';
import type { RunPlan } from '../study/run.js';
import { SeedsProgress } from './progress.js';

export interface SeedRun {
  seed: number;
  /** The seed's trained models, in plan order. */
  models: TrainedModel[];
}

export interface SeedsTraining {
  seeds: number[];
  /** Per seed, in seed order. */
  runs: SeedRun[];
  backend: string;
  backendDetail: string;
  /** How many workers trained side by side. */
  workers: number;
  seconds: number;
}

export interface RunSeedsOptions {
  io: Io;
  dataDir: string;
  limit: number | undefined;
  /** The data already loaded, shared with the worker threads. */
  data?: SharedSplits;
  /** Where the workers are registered so that Ctrl-C can stop them. */
  register?: (workers: readonly TrainingHost[]) => void;
  /**
   * A lane ran out of work while others still train (runtime/lanes.ts); `log` prints a line
   * above the progress line.
   */
  onLaneIdle?: (log: (line: string) => void) => void;
}

export async function runSeeds(
  plan: RunPlan,
  seeds: readonly number[],
  options: RunSeedsOptions,
): Promise<SeedsTraining> {
  const queue = scheduleUnits(seeds, plan.jobs);
  const workers = workerCount(options.io.env, queue.length, availableParallelism());
  const progress = new SeedsProgress(options.io, {
    seeds: seeds.length,
    models: seeds.length * plan.jobs.length,
    epochs: seeds.length * plan.jobs.reduce((s, j) => s + j.epochs, 0),
  });
  progress.note(
    `Training ${plan.jobs.length} model${plan.jobs.length === 1 ? '' : 's'} under ${seeds.length} seeds (${seeds.join(', ')}) with the ${plan.engine} engine, ${workers} worker${workers === 1 ? '' : 's'} side by side`,
  );
  const trained = new Map<number, TrainedModel[]>(seeds.map((s) => [s, []]));
  let backend = '';
  let backendDetail = '';
  try {
    await runUnits(queue, {
      engine: plan.engine,
      dataDir: options.dataDir,
      limit: options.limit,
      ...(options.data ? { data: options.data } : {}),
      workers,
      isolation: isolationFor(plan.backend?.name ?? options.io.env[ENV_BACKEND]),
      ...(plan.backend ? { backend: plan.backend } : {}),
      ...(options.register ? { register: options.register } : {}),
      ...(options.onLaneIdle
        ? { onLaneIdle: () => options.onLaneIdle?.((line) => progress.note(line)) }
        : {}),
      errorPrefix: (unit) => `seed ${unit.seed}: `,
      onMessage: (unit, message) => {
        switch (message.type) {
          case 'backend':
            if (backend === '') {
              backend = message.backend;
              backendDetail = message.detail;
              progress.note(`Backend: ${backend} (${backendDetail})`);
            }
            return;
          case 'model-begin':
            progress.modelBegin(unit.seed, message.name, message.epochs);
            return;
          case 'batch':
            progress.batch(unit.seed, message.name, message.progress);
            return;
          case 'epoch-end':
            progress.epochEnd(unit.seed, message.name, message.progress);
            return;
          case 'model-end':
            trained.get(unit.seed)!.push(message.model);
            progress.modelEnd(unit.seed, message.model);
            return;
          default:
            return;
        }
      },
    });
  } finally {
    progress.finish();
  }
  const order = (m: TrainedModel) => plan.jobs.findIndex((j) => j.name === m.name);
  return {
    seeds: [...seeds],
    runs: seeds.map((seed) => ({
      seed,
      models: [...trained.get(seed)!].sort((a, b) => order(a) - order(b)),
    })),
    backend,
    backendDetail,
    workers,
    seconds: progress.elapsedSeconds,
  };
}
