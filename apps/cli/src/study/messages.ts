/**
 * What the training worker and the command's main thread say to each other. Everything here
 * is structured-clone friendly (plain objects, typed arrays), so it crosses postMessage as is.
 */
import type { Engine } from '../options.js';
import type { ModelName, Part, RunPlan } from './plan.js';

/** One epoch of a history, as Keras's History holds it (running means; val_* at epoch end). */
export interface EpochLogs {
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
}

/** What the worker hands back for a trained model; metrics are computed from it afterwards. */
export interface TrainedModel {
  name: ModelName;
  part: Part;
  variant: 'top' | 'bottom';
  engine: Engine;
  /** The backend that actually ran, e.g. `gpujs:webasm` or `tfjs:wasm`. */
  backend: string;
  params: { total: number; trainable: number; nonTrainable: number };
  /** Keras's summary layout, printed before training. */
  summary: string;
  history: EpochLogs[];
  epochsRun: number;
  /** The epochs fit was asked for (early stopping may run fewer). */
  epochsPlanned: number;
  /** 1-based epoch with the lowest validation loss. */
  bestEpoch: number;
  /** Early stopping: whether it ended training before the last epoch. */
  stoppedEarly: boolean;
  /** Early stopping: the 1-based epoch whose weights were restored. */
  restoredEpoch: number | null;
  /** FNV-1a of the initial weights' float32 bytes: equal for the same starting point. */
  initialWeights: string;
  /** Wall-clock seconds of fit (training and per-epoch validation). */
  seconds: number;
  /** The predicted class of every test image, in test order. */
  predictions: Int32Array;
}

export interface WorkerInput {
  plan: RunPlan;
  /** Where the main thread found the data (the worker reads the same files). */
  dataDir: string;
  limit: number | undefined;
}

export interface ProgressInfo {
  /** 0-based epoch, as the callbacks count. */
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  elapsedSeconds: number;
  secondsPerStep: number;
  logs: Record<string, number>;
}

export type WorkerMessage =
  | { type: 'backend'; backend: string; detail: string }
  | { type: 'model-begin'; name: ModelName; epochs: number; summary: string }
  | { type: 'epoch-begin'; name: ModelName; epoch: number; epochs: number }
  | { type: 'batch'; name: ModelName; progress: ProgressInfo }
  | { type: 'epoch-end'; name: ModelName; progress: ProgressInfo }
  | { type: 'model-end'; model: TrainedModel }
  | { type: 'done' }
  | { type: 'error'; errorName: string; message: string; stack: string | undefined };
