/**
 * The one scheduler of training work: units (one seed's model) from a queue, longest first, over
 * a few workers (threads, or child processes for gpu.js's GL modes: runtime/host.ts), each
 * training one unit at a time. A model's numbers depend only on its seed, never on which worker
 * ran it or when. `fmnist study` uses it
 * with one seed and two workers; `--seeds N` with N seeds and one worker per core.
 */
import { type EngineName, type ModelJob, pairTwins } from '@fmnist/study';
import { type Isolation, startTrainingHost, type TrainingHost } from './host.js';
import type { WorkerInput, WorkerMessage } from './messages.js';
import type { SharedSplits } from './shared-data.js';

/** Environment variable: how many models may train at once. */
export const ENV_WORKERS = 'FMNIST_WORKERS';

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

export interface Unit {
  seed: number;
  jobs: ModelJob[];
  /** Planned epochs: the unit's share of the work. */
  cost: number;
}

/**
 * One seed's jobs as units, one job each. Part 1's bottom (`resetFrom: 'top'`) is a unit of its
 * own too: "reset to top's initial weights" are the seed's own draw, so a worker that never
 * trained top builds the very same weights (StudyTrainer: no owner, the seed's draw), and the
 * report checks it (the two initial-weight SHA-256s). Kept together, top and bottom were one
 * 20-epoch unit on one lane while the other lane idled at the end of the study: 113 s of
 * training against 90 s apart (2 lanes, one seed). Part 2's early-stopping is base with early
 * stopping added: it is read off base's own run, in base's unit (its epochs are base's first
 * ones to the bit), so the study trains 65 epochs, not the 77 or so it ran before (80 planned,
 * early-stopping stopping after about 12).
 */
export function unitsOf(seed: number, jobs: readonly ModelJob[]): Unit[] {
  // An early-stopping twin trains inside its job's run (StudyTrainer.trainWithTwin): one unit,
  // the job's epochs.
  return pairTwins(jobs).map((p) =>
    Array.isArray(p)
      ? { seed, jobs: [...p], cost: p[0].epochs }
      : { seed, jobs: [p], cost: p.epochs },
  );
}

/** Longest first; among equals, seed order then plan order (a stable sort keeps it). */
export function scheduleUnits(seeds: readonly number[], jobs: readonly ModelJob[]): Unit[] {
  return seeds.flatMap((seed) => unitsOf(seed, jobs)).sort((a, b) => b.cost - a.cost);
}

/** FMNIST_WORKERS caps the workers (else `fallback`), never more than there are units. */
export function workerCount(
  env: Record<string, string | undefined>,
  units: number,
  fallback: number,
): number {
  const asked = Number(env[ENV_WORKERS]);
  const wanted = Number.isInteger(asked) && asked >= 1 ? asked : fallback;
  return Math.max(1, Math.min(wanted, units));
}

export interface RunUnitsOptions {
  engine: EngineName;
  dataDir: string;
  limit: number | undefined;
  /** The data already loaded, shared with worker threads (child processes read the files). */
  data?: SharedSplits;
  workers: number;
  /** Worker threads (default) or child processes (see runtime/host.ts, isolationFor). */
  isolation?: Isolation;
  /** The custom engine's backend, chosen before the workers start (FMNIST_BACKEND=auto). */
  backend?: { name: string; detail: string };
  /** Every message of every worker, with the unit it trains (errors and `done` excepted). */
  onMessage: (unit: Unit, message: WorkerMessage) => void;
  /** Where the running workers are registered so that Ctrl-C can stop them. */
  register?: (workers: readonly TrainingHost[]) => void;
  /** Put before a worker's error message, e.g. `seed 7: `. */
  errorPrefix?: (unit: Unit) => string;
  /**
   * Called when a lane finds the queue empty while other lanes still train: its worker has
   * stopped and its core is free (the study writes its explain pages then).
   */
  onLaneIdle?: () => void;
}

/** Runs every unit; the first failure stops the other workers at once and is thrown. */
export async function runUnits(units: readonly Unit[], options: RunUnitsOptions): Promise<void> {
  const queue = [...units];
  const running = new Set<TrainingHost>();
  let failed: Error | undefined;

  const runUnit = (unit: Unit) =>
    new Promise<void>((resolve, reject) => {
      const input: WorkerInput = {
        engine: options.engine,
        seed: unit.seed,
        jobs: unit.jobs,
        dataDir: options.dataDir,
        limit: options.limit,
        ...(options.backend ? { backend: options.backend } : {}),
        ...(options.data && options.isolation !== 'process' ? { data: options.data } : {}),
      };
      const worker = startTrainingHost(input, options.isolation ?? 'thread');
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
        if (message.type === 'done') settle();
        else if (message.type === 'error') {
          const prefix = options.errorPrefix?.(unit) ?? '';
          const error = new TrainingError(`${prefix}${message.message}`, message.errorName);
          if (message.stack) error.stack = message.stack;
          settle(error);
        } else {
          try {
            options.onMessage(unit, message);
          } catch (error) {
            settle(error instanceof Error ? error : new Error(String(error)));
          }
        }
      });
      worker.on('error', (error) => settle(error));
      worker.on('exit', (code) =>
        settle(
          new TrainingError(
            `${options.errorPrefix?.(unit) ?? ''}a training worker stopped (exit code ${code})`,
          ),
        ),
      );
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
    if (!failed && running.size > 0) options.onLaneIdle?.();
  };
  try {
    await Promise.all(Array.from({ length: options.workers }, lane));
  } finally {
    await Promise.all([...running].map((w) => w.terminate()));
    options.register?.([]);
  }
  if (failed) throw failed;
}
