/**
 * What a training worker and the command's main thread say to each other. Everything here is
 * structured-clone friendly (plain objects, typed arrays), so it crosses postMessage as is.
 */

import type { EngineName, ModelJob, TrainedModel, TrainingEvent } from '@fmnist/study';
import type { SharedSplits } from './shared-data.js';

export interface WorkerInput {
  engine: EngineName;
  seed: number;
  jobs: ModelJob[];
  /** Where the main thread found the data (the worker reads the same files). */
  dataDir: string;
  limit: number | undefined;
  /** The data, shared by the main thread (worker threads only); else the worker reads it. */
  data?: SharedSplits;
  /** The custom engine's backend, chosen before the workers started (FMNIST_BACKEND=auto). */
  backend?: { name: string; detail: string };
}

export type WorkerMessage =
  | { type: 'backend'; backend: string; detail: string }
  | TrainingEvent
  | { type: 'model-end'; model: TrainedModel }
  | { type: 'done' }
  | { type: 'error'; errorName: string; message: string; stack: string | undefined };
