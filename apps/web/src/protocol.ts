import type { BackendMeasurement } from '@fmnist/study/backend-choice';
import type { Experiment } from '@fmnist/study/experiment';
import type {
  CheckResult,
  LayerView,
  Part1View,
  Part2View,
  TrainedModelView,
} from '@fmnist/study/lab';
import type { CrosscheckResult } from '@fmnist/study/lab/crosscheck';
import type { StepView } from '@fmnist/study/lab/step';
import type { ModelName, TrainedModel, TrainingEvent } from '@fmnist/study/training';
import type { WeightsSnapshot } from './weights-view.js';

/** A run: one of the study's models, Part 1's pair (top, then bottom) or all four of Part 2. */
export type Run = ModelName | 'part1' | 'part2' | 'experiment';

/** What the page's form offers: measure and pick, or one mode. */
export const LAB_BACKEND_CHOICES = [
  { value: 'auto', label: 'auto (measured)' },
  { value: 'gpujs:gl', label: 'gpujs:gl (WebGL)' },
  { value: 'gpujs:webasm', label: 'gpujs:webasm' },
  { value: 'gpujs:cpu', label: 'gpujs:cpu' },
] as const;
export type LabBackendChoice = (typeof LAB_BACKEND_CHOICES)[number]['value'];

/** One training run as the page asks for it: like `fmnist part1/part2 [--model] --seed --limit`. */
export interface TrainRequest {
  run: Run;
  /** For `run: 'experiment'`: the edited experiment, checked; its models carry their epochs. */
  experiment?: Experiment;
  seed: number;
  /** Training images (the first N of the 50,000), like --limit. */
  limit: number;
  epochs: number;
  /** Which gpu.js mode trains: `auto` measures them here and takes the fastest. */
  backend: LabBackendChoice;
  /** The run's first model starts from these weights (where Step left it), not the seed's. */
  startFrom?: Float32Array[];
}

export type ToWorker =
  | { type: 'train'; request: TrainRequest }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'check' }
  | { type: 'crosscheck' }
  /** One training step, explained; `reference`: TF.js takes the same step beside it. */
  | { type: 'step'; request: TrainRequest; reference: boolean };

export type FromWorker =
  | { type: 'status'; text: string }
  /** backend: the name results carry (gpujs:gl); label: with its GL mode; detail: the device. */
  | {
      type: 'backend';
      backend: string;
      label: string;
      detail: string;
      measurements: BackendMeasurement[];
    }
  | { type: 'event'; event: TrainingEvent }
  /** The first Dense layer's kernel as it trains (at most twice a second). */
  | { type: 'weights'; snapshot: WeightsSnapshot; epoch: number; step: number }
  /** Every layer on the inspection batch, as it trains (at most twice a second). */
  | { type: 'layers'; layers: LayerView[]; epoch: number; step: number }
  | { type: 'paused' }
  | { type: 'resumed' }
  | ({
      type: 'model-done';
      model: TrainedModel;
      /** Which of the run's models this was, 1-based, and how many there are. */
      index: number;
      of: number;
    } & TrainedModelView)
  | { type: 'part1'; view: Part1View }
  | { type: 'part2'; view: Part2View }
  | { type: 'done'; seconds: number }
  | { type: 'check'; result: CheckResult }
  | { type: 'crosscheck'; result: CrosscheckResult }
  /** `weights`: where the step left the model, to train on from there. */
  | { type: 'step'; view: StepView; weights: Float32Array[] }
  | { type: 'error'; message: string };

export type { BackendMeasurement, CheckResult, CrosscheckResult, Part1View, Part2View };
