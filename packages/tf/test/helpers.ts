import { type Backend, JsBackend, Rng } from '@fmnist/core';
import {
  GpuJsBackend,
  GpuJsGlBackend,
  type GpuJsMode,
  glModeAvailability,
  gpuJsModeAvailability,
} from '@fmnist/core/gpujs';
import { crop, findDataset, type ImageSet, readImageSet, scale } from '@fmnist/data/node';
import { type LayerSpec, type ModelSpec, type OptimizerSpec, Sequential } from '@fmnist/nn';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPARABLE,
  type Difference,
  describeDifference,
  difference,
  TfReference,
  type Tolerance,
  withinTolerance,
} from '../src/index.js';

/** numRuns for every property: enough to explore the family, few enough for 2 shared cores. */
export const RUNS = Number(process.env.FMNIST_PROP_RUNS ?? 12);

/**
 * A fixed seed by default, so CI runs the same cases every time and a failure reproduces;
 * FMNIST_PROP_SEED=<n> picks others and FMNIST_PROP_SEED=random explores (fast-check prints
 * the seed and path of any counterexample).
 */
const seedSetting = process.env.FMNIST_PROP_SEED ?? '20261127';
if (seedSetting !== 'random') fc.configureGlobal({ seed: Number(seedSetting) });

// ---------------------------------------------------------------------------------------------
// The custom engine's backends: every property comparing the engines runs once per backend
// ---------------------------------------------------------------------------------------------

/** One backend the custom engine can train on, or why it cannot run here. */
export interface CustomBackend {
  name: string;
  create?: () => Backend;
  unavailable?: string;
  /** Property runs per test (headlessgl compiles each kernel shape in ~150 ms: fewer). */
  runs: number;
}

/**
 * js (the readable reference), and gpu.js in each mode Node runs: webasm (what the study
 * trains on), cpu, headlessgl (needs a display: `xvfb-run -a`), and gpujs:gl, the
 * device-resident mode on headless-gl (the same display). FMNIST_PROP_BACKENDS=a,b
 * picks some by name.
 */
export function customBackends(): CustomBackend[] {
  const all: CustomBackend[] = [{ name: 'js', create: () => new JsBackend(), runs: RUNS }];
  for (const mode of ['webasm', 'cpu', 'headlessgl'] as GpuJsMode[]) {
    const { available, reason } = gpuJsModeAvailability(mode);
    const runs = mode === 'headlessgl' ? Math.max(2, Math.round(RUNS / 3)) : RUNS;
    const name = `gpujs:${mode}`;
    all.push(
      available
        ? { name, create: () => new GpuJsBackend({ mode }), runs }
        : { name, unavailable: reason, runs },
    );
  }
  const gl = glModeAvailability('headlessgl');
  const glRuns = Math.max(2, Math.round(RUNS / 3));
  all.push(
    gl.available
      ? { name: 'gpujs:gl', create: () => new GpuJsGlBackend({ mode: 'headlessgl' }), runs: glRuns }
      : { name: 'gpujs:gl', unavailable: gl.reason, runs: glRuns },
  );
  const picked = process.env.FMNIST_PROP_BACKENDS?.split(',').map((n) => n.trim());
  return picked ? all.filter((b) => picked.includes(b.name)) : all;
}

/**
 * `describe(title(backend), body)` for every backend of customBackends(). A backend that cannot
 * run here is a skipped test whose name says why; in CI (CI set) it is a failing one, since CI
 * promises every backend was compared.
 */
export function describeEachBackend(
  title: (backend: string) => string,
  body: (backend: CustomBackend) => void,
): void {
  for (const backend of customBackends()) {
    if (backend.unavailable) {
      const why = `${backend.name} cannot run here: ${backend.unavailable}`;
      if (process.env.CI) {
        it(`${title(backend.name)}: ${backend.name} is available (CI runs every backend)`, () => {
          throw new Error(why);
        });
      } else {
        it.skip(`${title(backend.name)}: skipped, ${why}`, () => {});
      }
      continue;
    }
    describe(title(backend.name), () => body(backend));
  }
}

// ---------------------------------------------------------------------------------------------
// Real data: the official test images (the smaller file), cropped like the study.
// ---------------------------------------------------------------------------------------------

let realImages: Promise<ImageSet | undefined> | undefined;

/** The 10,000 test images, or undefined when the dataset is not on this machine. */
export function loadRealImages(): Promise<ImageSet | undefined> {
  realImages ??= (async () => {
    const found = await findDataset();
    if (!found) return undefined;
    return readImageSet(found.files.testImages, found.files.testLabels, found.source);
  })();
  return realImages;
}

// ---------------------------------------------------------------------------------------------
// Models from the study's family
// ---------------------------------------------------------------------------------------------

export interface HiddenLayer {
  units: number;
  activation: HiddenActivation;
  /** L2 factor of the kernel regularizer, or null for none. */
  l2: number | null;
  batchNorm: boolean;
  /** null: no Dropout layer. */
  dropout: number | null;
}

export type HiddenActivation = 'relu' | 'sigmoid' | 'tanh' | 'linear';

export interface FamilyModel {
  full: boolean;
  hidden: HiddenLayer[];
}

export const hiddenArb = (options: { batchNorm?: boolean; dropout?: boolean } = {}) =>
  fc.record({
    units: fc.integer({ min: 1, max: 48 }),
    // ReLU (the study's) half the time; sigmoid, tanh and linear the rest.
    activation: fc.constantFrom<HiddenActivation>(
      'relu',
      'relu',
      'relu',
      'sigmoid',
      'tanh',
      'linear',
    ),
    // L2 weight decay on the kernel one time in three, at strengths from negligible to strong.
    l2: fc.option(fc.constantFrom(1e-4, 1e-3, 1e-2, 0.1), { nil: null, freq: 2 }),
    batchNorm: options.batchNorm === undefined ? fc.boolean() : fc.constant(options.batchNorm),
    dropout:
      options.dropout === false
        ? fc.constant(null)
        : // Rates that mean something (fc.double spreads over bit patterns, so almost every draw
          // was ~1e-300, the identity): no layer 1 time in 6, rate 0 (a pass-through) 1 in 4.
          fc.option(fc.constantFrom(0, 0.2, 0.5, 0.7), { nil: null }),
  });

/**
 * Input 14x28 (the study's crops) or, for one model in four, 28x28; Flatten; one to three Dense
 * (relu, sigmoid, tanh or linear) with optional BN / Dropout; Dense(10, softmax). */
export const familyArb = (options: { batchNorm?: boolean; dropout?: boolean } = {}) =>
  fc.record({
    full: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    hidden: fc.array(hiddenArb(options), { minLength: 1, maxLength: 3 }),
  });

export function toSpec(model: FamilyModel): ModelSpec {
  const layers: LayerSpec[] = [{ type: 'flatten' }];
  for (const h of model.hidden) {
    // As the study builds it: a Dense followed by BN has no bias (BN's beta plays its part).
    layers.push({
      type: 'dense',
      units: h.units,
      activation: h.activation,
      useBias: !h.batchNorm,
      ...(h.l2 !== null ? { kernelRegularizer: { l2: h.l2 } } : {}),
    });
    if (h.batchNorm) layers.push({ type: 'batchNormalization' });
    if (h.dropout !== null) layers.push({ type: 'dropout', rate: h.dropout });
  }
  layers.push({ type: 'dense', units: 10, activation: 'softmax' });
  return { name: 'family', inputShape: model.full ? [28, 28] : [14, 28], layers };
}

export interface EnginePair {
  custom: Sequential;
  tf: TfReference;
  dispose(): void;
}

/**
 * Both engines for one spec with identical random weights: the custom engine's seeded Glorot
 * kernels (scaled by a random factor), and random biases, BN parameters and moving statistics,
 * so inference through BN is not the identity.
 */
export async function enginePair(
  spec: ModelSpec,
  seed: number,
  optimizer: OptimizerSpec,
  on?: CustomBackend,
): Promise<EnginePair> {
  const backend = on?.create?.() ?? new JsBackend();
  const custom = new Sequential(spec, { seed, backend });
  custom.compile({ optimizer });
  const tf = await TfReference.create(spec, { optimizer });
  const rng = new Rng(seed).fork(99);
  const kernelScale = rng.uniform(0.5, 1.5);
  const weights = custom.weights.map((w) => {
    const suffix = w.name.split('/')[1];
    const v = w.value.slice();
    for (let i = 0; i < v.length; i++) {
      if (suffix === 'kernel') v[i] = (v[i] as number) * kernelScale;
      else if (suffix === 'bias') v[i] = rng.uniform(-0.2, 0.2);
      else if (suffix === 'gamma') v[i] = rng.uniform(0.5, 1.5);
      else if (suffix === 'beta') v[i] = rng.uniform(-0.3, 0.3);
      else if (suffix === 'moving_mean') v[i] = rng.uniform(-0.5, 0.5);
      else if (suffix === 'moving_variance') v[i] = rng.uniform(0.5, 2);
    }
    return v;
  });
  custom.setWeights(weights);
  tf.setWeights(weights);
  return {
    custom,
    tf,
    dispose() {
      tf.dispose();
      custom.dispose();
      try {
        if (backend instanceof GpuJsBackend) {
          // The products did run as gpu.js kernels, every one in the mode named (a fallback
          // throws GpuJsFallbackError at its first call already; this says so once more).
          const modes = backend.kernelModes();
          expect(modes.length, `${backend.name} compiled no matmul kernel`).toBeGreaterThan(0);
          expect(new Set(modes), `${backend.name}: modes of its kernels`).toEqual(
            new Set([backend.mode]),
          );
        }
      } finally {
        backend.dispose();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Batches: uniform noise, or real images cropped to the model's input
// ---------------------------------------------------------------------------------------------

export interface BatchChoice {
  real: boolean;
  size: number;
  seed: number;
}

export const batchArb = (minSize = 2, maxSize = 24) =>
  fc.record({
    real: fc.boolean(),
    size: fc.integer({ min: minSize, max: maxSize }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });

/** Rows a batch needs for `model` (see COMPARABLE.minBatchWithBatchNorm). */
const MIN_BN_BATCH = COMPARABLE.minBatchWithBatchNorm;

export function batchFor(model: FamilyModel, choice: BatchChoice): BatchChoice {
  const bn = model.hidden.some((h) => h.batchNorm);
  return bn && choice.size < MIN_BN_BATCH ? { ...choice, size: MIN_BN_BATCH } : choice;
}

export interface Batch {
  x: Float32Array;
  y: Int32Array;
  source: string;
}

/**
 * A batch for `spec`: random pixels in [0, 1) with random labels, or `size` consecutive real
 * test images from a random start, cropped to the top or bottom half for 14x28 models.
 */
export async function makeBatch(spec: ModelSpec, choice: BatchChoice): Promise<Batch> {
  const rng = new Rng(choice.seed);
  const width = spec.inputShape.reduce((a, b) => a * b, 1);
  const images = choice.real ? await loadRealImages() : undefined;
  if (choice.real && !images) {
    // A property that asked for real images must not quietly run on noise.
    throw new Error(
      'Real Fashion-MNIST batches need the dataset: install dataset-fashion-mnist (Debian) or set FASHION_MNIST_DIR.',
    );
  }
  if (!images) {
    const x = Float32Array.from({ length: choice.size * width }, () => rng.nextFloat());
    const y = Int32Array.from({ length: choice.size }, () => rng.int(10));
    return { x, y, source: 'random' };
  }
  const start = rng.int(images.count - choice.size);
  const slice: ImageSet = {
    count: choice.size,
    rows: images.rows,
    cols: images.cols,
    pixels: images.pixels.subarray(start * 784, (start + choice.size) * 784),
    labels: images.labels.subarray(start, start + choice.size),
  };
  const half = width === 784 ? 'full' : rng.nextFloat() < 0.5 ? 'top' : 'bottom';
  const cropped = crop(slice, half);
  return {
    x: scale(cropped.pixels),
    y: Int32Array.from(cropped.labels),
    source: `real ${half} @${start}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

/** Worst observed share of the allowed tolerance per kind (FMNIST_TF_VERBOSE=1 prints it). */
export const worst = new Map<string, number>();

export function expectClose(
  what: string,
  kind: string,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  tolerance: Tolerance,
): Difference {
  const d = difference(a, b);
  const share = d.maxAbs / (tolerance.abs + tolerance.rel * d.scale);
  worst.set(kind, Math.max(worst.get(kind) ?? 0, share));
  expect(withinTolerance(d, tolerance), describeDifference(what, d, tolerance)).toBe(true);
  return d;
}

export function reportWorst(): void {
  if (process.env.FMNIST_TF_VERBOSE) {
    for (const [kind, share] of worst)
      console.log(`worst ${kind}: ${(share * 100).toFixed(2)}% of tolerance`);
  }
}

/** The softmax output of the custom engine's last forward pass (training mode in a step). */
export function trainingOutput(model: Sequential): ArrayLike<number> {
  return model.activations().at(-1)?.values ?? [];
}

/**
 * True when no label's probability is in the range where the two engines' losses part ways on
 * purpose: below 1e-6, tfjs's clip (at 1e-7) zeroes the sample's gradient while the custom
 * engine's fused softmax + cross-entropy keeps p − onehot (see README.md). Check it on the
 * training-mode output: dropout's 1/(1 − rate) scaling makes it more extreme than inference.
 */
export function labelsUnclipped(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes = 10,
): boolean {
  for (let r = 0; r < labels.length; r++) {
    if ((probs[r * classes + (labels[r] as number)] as number) < COMPARABLE.minLabelProbability) {
      return false;
    }
  }
  return true;
}
