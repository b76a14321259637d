/** What the page and its training worker say to each other (postMessage, structured clone). */
import type { ModelFile } from '@fmnist/nn';
import type { Mistake } from '@fmnist/study/results';
import type { ModelName, TrainedModel, TrainingEvent } from '@fmnist/study/training';
import type { LayerView } from './inspect.js';
import type { WeightsSnapshot } from './weights-view.js';

/** A run: one of the study's models, Part 1's pair (top, then bottom) or all four of Part 2. */
export type Run = ModelName | 'part1' | 'part2';

/** What the page's form offers: measure and pick, or one mode. */
export const LAB_BACKEND_CHOICES = [
  { value: 'auto', label: 'auto (measured)' },
  { value: 'gpujs:gl', label: 'gpujs:gl (WebGL)' },
  { value: 'gpujs:webasm', label: 'gpujs:webasm' },
  { value: 'gpujs:cpu', label: 'gpujs:cpu' },
] as const;
export type LabBackendChoice = (typeof LAB_BACKEND_CHOICES)[number]['value'];

/** One candidate's measurement (or why it did not start). */
export interface BackendMeasurement {
  /** `gpujs:gl on webgl2`, `gpujs:webasm`, ... */
  label: string;
  /** What runs underneath (the WebGL renderer, where the browser tells). */
  device: string;
  /** A WebGL drawn by the CPU (SwiftShader, llvmpipe, ...): named so the user knows. */
  software: boolean;
  /** The first training step, which compiles the kernels (ms). */
  firstStepMs?: number;
  /** The median of the next steps (ms): what decides. */
  stepMs?: number;
  /** Why it could not run here. */
  error?: string;
  chosen: boolean;
}

/** One training run as the page asks for it: like `fmnist part1/part2 [--model] --seed --limit`. */
export interface TrainRequest {
  run: Run;
  seed: number;
  /** Training images (the first N of the 50,000), like --limit. */
  limit: number;
  epochs: number;
  /** Which gpu.js mode trains: `auto` measures them here and takes the fastest. */
  backend: LabBackendChoice;
}

export type ToWorker =
  | { type: 'train'; request: TrainRequest }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'check' }
  | { type: 'crosscheck' };

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

/** One row of the page's cross-check table: a quantity, its largest difference, its verdict. */
export interface CrosscheckRow {
  layer: string;
  what: string;
  maxAbs: number;
  maxRel: number;
  ok: boolean;
}

export interface CrosscheckResult {
  model: string;
  /** The TensorFlow.js backend that ran (webgl, wasm or cpu) and what was skipped before it. */
  tfBackend: string;
  skipped: string[];
  batch: number;
  loss: { custom: number; tf: number; difference: number; ok: boolean };
  rows: CrosscheckRow[];
  ok: boolean;
}

/** Part 1's comparison: per class, top against bottom, and where one is right and one wrong. */
export interface Part1View {
  perClass: { class: string; top: number; bottom: number }[];
  observations: string[];
  disagreements: {
    title: string;
    count: number;
    images: { pixels: Uint8Array; caption: string }[];
  }[];
}

/** Part 2's comparison table, as the report has it. */
export interface Part2View {
  rows: {
    name: string;
    testAccuracy: number;
    macroF1: number;
    bestEpoch: number;
    epochsRun: number;
    lossGap: number;
    accuracyGap: number;
    params: number;
    seconds: number;
  }[];
  observations: string[];
}

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
  | {
      type: 'model-done';
      model: TrainedModel;
      report: string;
      accuracy: number;
      /** confusionMatrix[true][predicted] on the test set. */
      confusionMatrix: number[][];
      /** The most confident mistakes, with each image's pixels (28x28). */
      mistakes: (Mistake & { pixels: Uint8Array })[];
      /** Which of the run's models this was, 1-based, and how many there are. */
      index: number;
      of: number;
      /** The trained model in TF.js's Layers format: model.json and its weights file. */
      files: ModelFile[];
    }
  | { type: 'part1'; view: Part1View }
  | { type: 'part2'; view: Part2View }
  | { type: 'done'; seconds: number }
  | { type: 'check'; result: CheckResult }
  | { type: 'crosscheck'; result: CrosscheckResult }
  | { type: 'error'; message: string };
