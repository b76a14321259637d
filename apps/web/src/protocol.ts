/** What the page and its training worker say to each other (postMessage, structured clone). */
import type { ModelName, TrainedModel, TrainingEvent } from '@fmnist/study/training';
import type { WeightsSnapshot } from './weights-view.js';

/** One training run as the page asks for it: like `fmnist part1/part2 --model --seed --limit`. */
export interface TrainRequest {
  model: ModelName;
  seed: number;
  /** Training images (the first N of the 50,000), like --limit. */
  limit: number;
  epochs: number;
}

export type ToWorker = { type: 'train'; request: TrainRequest } | { type: 'check' };

/** explain's finite-difference check of the trained model's backward pass, on one batch. */
export interface CheckResult {
  batch: number;
  checked: number;
  kinks: number;
  maxRelativeError: number;
  bound: number;
  entries: {
    weight: string;
    flat: number;
    analytic: number;
    numeric: number;
    relativeError: number;
    kink: boolean;
  }[];
}

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'backend'; backend: string; detail: string }
  | { type: 'event'; event: TrainingEvent }
  /** The first Dense layer's kernel as it trains (at most twice a second). */
  | { type: 'weights'; snapshot: WeightsSnapshot; epoch: number; step: number }
  | { type: 'done'; model: TrainedModel; testLabels: Uint8Array; report: string; accuracy: number }
  | { type: 'check'; result: CheckResult }
  | { type: 'error'; message: string };
