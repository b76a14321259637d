/**
 * The multi-seed runner: every planned model under every seed, spread over the machine's
 * cores. Training is single-threaded work, so one worker thread per core (the study's own
 * training worker, study/worker.ts) trains one unit at a time from a shared queue: a unit is
 * one seed's model together with the models that reset from it (Part 1's bottom starts from
 * top's initial weights, so both run in the same worker). Units are taken longest first, which
 * keeps the cores busy to the end. A model's numbers depend only on its seed, never on which
 * worker ran it or when.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Io } from '../context.js';
import type { TrainedModel, WorkerInput, WorkerMessage } from '../study/messages.js';
import type { ModelJob, RunPlan } from '../study/plan.js';
import { ENV_WORKERS, TrainingError } from '../study/run.js';
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
  /** Where the workers are registered so that Ctrl-C can stop them. */
  register?: (workers: readonly Worker[]) => void;
}

interface Unit {
  seed: number;
  jobs: ModelJob[];
  /** Planned epochs: the unit's share of the work. */
  cost: number;
}

/** One seed's jobs as units: each job with the jobs that reset from it. */
export function unitsOf(seed: number, jobs: readonly ModelJob[]): Unit[] {
  const units: Unit[] = [];
  for (const job of jobs) {
    const owner = job.resetFrom
      ? units.find((u) => u.jobs.some((j) => j.name === job.resetFrom))
      : undefined;
    if (owner) {
      owner.jobs.push(job);
      owner.cost += job.epochs;
    } else {
      units.push({ seed, jobs: [job], cost: job.epochs });
    }
  }
  return units;
}

/** Longest first; among equals, seed order then plan order (a stable sort keeps it). */
export function scheduleUnits(seeds: readonly number[], jobs: readonly ModelJob[]): Unit[] {
  return seeds.flatMap((seed) => unitsOf(seed, jobs)).sort((a, b) => b.cost - a.cost);
}

/** FMNIST_WORKERS (the study's variable) caps the workers; by default one per core. */
export function workerCount(io: Io, units: number): number {
  const asked = Number(io.env[ENV_WORKERS]);
  const wanted = Number.isInteger(asked) && asked >= 1 ? asked : availableParallelism();
  return Math.max(1, Math.min(wanted, units));
}

export async function runSeeds(
  plan: RunPlan,
  seeds: readonly number[],
  options: RunSeedsOptions,
): Promise<SeedsTraining> {
  const queue = scheduleUnits(seeds, plan.jobs);
  const workers = workerCount(options.io, queue.length);
  const progress = new SeedsProgress(options.io, {
    seeds: seeds.length,
    models: seeds.length * plan.jobs.length,
    epochs: seeds.length * plan.jobs.reduce((s, j) => s + j.epochs, 0),
  });
  progress.note(
    `Training ${plan.jobs.length} model${plan.jobs.length === 1 ? '' : 's'} under ${seeds.length} seeds (${seeds.join(', ')}) with the ${plan.engine} engine, ${workers} worker${workers === 1 ? '' : 's'} side by side`,
  );
  const trained = new Map<number, TrainedModel[]>(seeds.map((s) => [s, []]));
  const running = new Set<Worker>();
  let backend = '';
  let backendDetail = '';
  let failed: Error | undefined;

  const runUnit = (unit: Unit) =>
    new Promise<void>((resolve, reject) => {
      const input: WorkerInput = {
        plan: { ...plan, seed: unit.seed, jobs: unit.jobs },
        dataDir: options.dataDir,
        limit: options.limit,
      };
      const worker = new Worker(new URL('../study/worker.js', import.meta.url), {
        workerData: input,
      });
      running.add(worker);
      options.register?.([...running]);
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        running.delete(worker);
        options.register?.([...running]);
        void worker.terminate();
        if (error) reject(error);
        else resolve();
      };
      worker.on('message', (message: WorkerMessage) => {
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
          case 'done':
            settle();
            return;
          case 'error': {
            const error = new TrainingError(
              `seed ${unit.seed}: ${message.message}`,
              message.errorName,
            );
            if (message.stack) error.stack = message.stack;
            settle(error);
            return;
          }
          default:
            return;
        }
      });
      worker.on('error', (error) => settle(error));
      worker.on('exit', (code) => {
        settle(
          new TrainingError(
            `the training worker for seed ${unit.seed} stopped (exit code ${code})`,
          ),
        );
      });
    });

  // Each lane takes the next unit from the shared queue until it is empty or a unit fails.
  const lane = async () => {
    for (let unit = queue.shift(); unit && !failed; unit = queue.shift()) {
      try {
        await runUnit(unit);
      } catch (error) {
        failed ??= error instanceof Error ? error : new Error(String(error));
        // The run has failed: the other workers' training would be thrown away, so stop it now.
        for (const worker of running) void worker.terminate();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, lane));
  } finally {
    progress.finish();
    await Promise.all([...running].map((w) => w.terminate()));
    options.register?.([]);
  }
  if (failed) throw failed;
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
