import { Rng } from '@fmnist/core';
import {
  HALF_SHAPE,
  KERAS_DEFAULTS,
  type Labels,
  type ModelSpec,
  type OptimizerSpec,
  PART1_OPTIMIZER,
  PART2_OPTIMIZER,
  PART2_VARIANTS,
  type Part2Variant,
  part1Spec,
  part2Spec,
  Sequential,
} from '@fmnist/nn';
import { gatherLabels, gatherRows, sizeOf } from './arrays.js';
import type { TfBackendInfo } from './backend.js';
import { type Difference, difference, type Tolerance, withinTolerance } from './compare.js';
import { TfReference } from './reference.js';
import { releaseDropoutMasks, shareDropoutMasks } from './shared.js';
import { TOLERANCES } from './tolerances.js';

/** The study's six models, in the order the report shows them. */
export const CROSSCHECK_MODELS = [
  'top',
  'bottom',
  'base',
  'early-stopping',
  'batch-norm',
  'dropout',
] as const;
export type CrosscheckModelName = (typeof CROSSCHECK_MODELS)[number];

/** Which crop of the images a model is fed. */
export type CrosscheckVariant = 'top' | 'bottom';

export interface LabelledSet {
  /** [samples × 14 × 28] flattened, in [0, 1]. */
  x: Float32Array;
  y: Labels;
}

export interface CrosscheckData {
  train: LabelledSet;
  validation: LabelledSet;
}

export interface CrosscheckStudyModel {
  name: CrosscheckModelName;
  spec: ModelSpec;
  optimizer: OptimizerSpec;
  variant: CrosscheckVariant;
  /** The study's number of epochs (Part 1: 10, Part 2: 15). */
  epochs: number;
}

/** The six models as the study trains them. */
export function crosscheckStudyModels(): CrosscheckStudyModel[] {
  const part1 = (name: 'top' | 'bottom'): CrosscheckStudyModel => ({
    name,
    spec: part1Spec(name, HALF_SHAPE),
    optimizer: PART1_OPTIMIZER,
    variant: name,
    epochs: 10,
  });
  const part2 = (name: Part2Variant): CrosscheckStudyModel => ({
    name,
    spec: part2Spec(name),
    optimizer: PART2_OPTIMIZER,
    variant: 'top',
    epochs: 15,
  });
  return [
    part1('top'),
    part1('bottom'),
    part2('base'),
    part2('early-stopping'),
    part2('batch-norm'),
    part2('dropout'),
  ];
}

/** A difference with the verdict against its tolerance. */
export interface CheckedDifference extends Difference {
  ok: boolean;
}

function checked(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  tolerance: Tolerance,
): CheckedDifference {
  const d = difference(a, b);
  return { ...d, ok: withinTolerance(d, tolerance) };
}

export interface LayerComparison {
  layer: string;
  className: string;
  /** The layer's output in inference mode (moving statistics, no dropout). */
  inference: CheckedDifference;
  /** The layer's output in training mode (batch statistics, the shared dropout mask). */
  training: CheckedDifference;
  /** d loss / d w of each of the layer's trainable weights. */
  gradients: Array<{ weight: string } & CheckedDifference>;
}

export interface BatchComparison {
  batchSize: number;
  layers: LayerComparison[];
  loss: { custom: number; tf: number; difference: number; ok: boolean };
  /** BatchNormalization's moving statistics after the training-mode pass (none elsewhere). */
  movingStats: Array<{ weight: string } & CheckedDifference>;
  /** The largest gradient difference of any weight, absolute and relative to its scale. */
  largestGradientDifference: { weight: string; maxAbs: number; maxRel: number };
  ok: boolean;
}

/**
 * Compares one batch through both engines, which must hold identical weights: every layer's
 * output in inference and in training mode, the loss, every weight's gradient, and the moving
 * statistics the training pass leaves behind. Dropout uses one shared mask. Both models are
 * left with their weights as before (moving statistics included).
 */
export function compareBatch(
  custom: Sequential,
  reference: TfReference,
  x: Float32Array,
  labels: ArrayLike<number>,
  rng: Rng,
): BatchComparison {
  const batch = labels.length;
  const before = custom.getWeights();
  const labelArray = Int32Array.from(labels);

  custom.forward(x, { training: false });
  const customInference = custom.activations().map((a) => a.values.slice());
  const tfInference = reference.forward(x, { training: false }).activations;

  const masks = shareDropoutMasks(custom, batch, rng);
  const customLoss = custom.computeGradients(x, labelArray);
  const customTraining = custom.activations().map((a) => ({ ...a, values: a.values.slice() }));
  const customGradients = custom.getGradients();
  const tfStep = reference.gradients(x, labelArray, {
    dropoutMasks: masks,
    recordActivations: true,
  });
  releaseDropoutMasks(custom);
  const trainable = custom.trainableWeights.map((w) => w.name);

  const layers: LayerComparison[] = customTraining.map((activation, i) => ({
    layer: activation.layer,
    className: activation.className,
    inference: checked(
      customInference[i] as Float32Array,
      tfInference[i]?.values ?? [],
      TOLERANCES.activations,
    ),
    training: checked(
      activation.values,
      tfStep.activations?.[i]?.values ?? [],
      TOLERANCES.activations,
    ),
    gradients: trainable.flatMap((name, k) =>
      name.startsWith(`${activation.layer}/`)
        ? [
            {
              weight: name,
              ...checked(
                customGradients[k] as ArrayLike<number>,
                tfStep.gradients[k]?.values ?? [],
                TOLERANCES.gradients,
              ),
            },
          ]
        : [],
    ),
  }));

  const customWeights = custom.weights;
  const tfWeights = reference.getWeights();
  const movingStats = customWeights.flatMap((w, k) =>
    w.trainable
      ? []
      : [
          {
            weight: w.name,
            ...checked(w.value, tfWeights[k]?.values ?? [], TOLERANCES.movingStats),
          },
        ],
  );

  const lossDiff = difference([customLoss], [tfStep.loss]);
  const lossOk = withinTolerance(lossDiff, TOLERANCES.loss);
  let largest = { weight: '', maxAbs: 0, maxRel: 0 };
  for (const layer of layers) {
    for (const g of layer.gradients)
      if (g.maxAbs >= largest.maxAbs)
        largest = { weight: g.weight, maxAbs: g.maxAbs, maxRel: g.maxRel };
  }
  // Put both engines back where they were: the training pass moved the moving statistics.
  custom.setWeights(before);
  reference.setWeights(before);
  const ok =
    lossOk &&
    movingStats.every((m) => m.ok) &&
    layers.every((l) => l.inference.ok && l.training.ok && l.gradients.every((g) => g.ok));
  return {
    batchSize: batch,
    layers,
    loss: { custom: customLoss, tf: tfStep.loss, difference: lossDiff.maxAbs, ok: lossOk },
    movingStats,
    largestGradientDifference: largest,
    ok,
  };
}

export interface EngineEpoch {
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
}

export interface EpochComparison {
  /** 1-based. */
  epoch: number;
  custom: EngineEpoch;
  tf: EngineEpoch;
  /** tf − custom, per figure. */
  gap: EngineEpoch;
  /** The largest |w_custom − w_tf| over every weight at the end of the epoch. */
  maxWeightDifference: number;
  /**
   * Training samples whose label probability fell below 1e-7 in tfjs's training pass: there
   * tfjs's clipped cross-entropy passes no gradient while the custom engine (like Keras on
   * TensorFlow) passes p − onehot, so the engines part ways by design (README.md).
   */
  clippedLabels: number;
}

export interface SideBySideOptions {
  epochs: number;
  batchSize: number;
  /** Seeds the shuffles and the dropout masks. */
  seed: number;
  onEpoch?: (epoch: EpochComparison) => void;
}

/**
 * Trains both engines from identical weights on identical batches: each epoch's sample order
 * is one shuffle (seeded) that both follow, the last batch may be short, dropout masks are
 * shared batch by batch, and each figure is Keras's (running means over the epoch's batches,
 * weighted by batch size; validation in inference mode at the end of the epoch).
 */
export function trainSideBySide(
  custom: Sequential,
  reference: TfReference,
  data: CrosscheckData,
  options: SideBySideOptions,
): EpochComparison[] {
  const width = custom.inputSize;
  const samples = data.train.y.length;
  const rng = new Rng(options.seed);
  const out: EpochComparison[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = new Uint32Array(samples).map((_, i) => i);
    rng.fork(epoch * 2).shuffle(order);
    const maskRng = rng.fork(epoch * 2 + 1);
    const sums = { customLoss: 0, customCorrect: 0, tfLoss: 0, tfCorrect: 0, clipped: 0 };
    for (let start = 0; start < samples; start += options.batchSize) {
      const indices = order.subarray(start, Math.min(start + options.batchSize, samples));
      const x = gatherRows(data.train.x, width, indices);
      const y = gatherLabels(data.train.y, indices);
      const masks = shareDropoutMasks(custom, indices.length, maskRng);
      const c = custom.trainOnBatch(x, y);
      const t = reference.trainStep(x, y, { dropoutMasks: masks });
      sums.customLoss += c.loss * indices.length;
      sums.customCorrect += c.accuracy * indices.length;
      sums.tfLoss += t.loss * indices.length;
      sums.tfCorrect += t.accuracy * indices.length;
      sums.clipped += countClipped(t.output, y, t.output.length / y.length);
    }
    releaseDropoutMasks(custom);
    const cv = custom.evaluate(data.validation.x, data.validation.y, {
      batchSize: options.batchSize,
    });
    const tv = reference.evaluate(data.validation.x, data.validation.y, options.batchSize);
    const n = Math.max(samples, 1);
    const c: EngineEpoch = {
      loss: sums.customLoss / n,
      accuracy: sums.customCorrect / n,
      val_loss: cv.loss,
      val_accuracy: cv.accuracy,
    };
    const t: EngineEpoch = {
      loss: sums.tfLoss / n,
      accuracy: sums.tfCorrect / n,
      val_loss: tv.loss,
      val_accuracy: tv.accuracy,
    };
    const tfWeights = reference.getWeights();
    const maxWeightDifference = custom
      .getWeights()
      .reduce((m, w, k) => Math.max(m, difference(w, tfWeights[k]?.values ?? []).maxAbs), 0);
    const comparison: EpochComparison = {
      epoch: epoch + 1,
      custom: c,
      tf: t,
      gap: {
        loss: t.loss - c.loss,
        accuracy: t.accuracy - c.accuracy,
        val_loss: t.val_loss - c.val_loss,
        val_accuracy: t.val_accuracy - c.val_accuracy,
      },
      maxWeightDifference,
      clippedLabels: sums.clipped,
    };
    options.onEpoch?.(comparison);
    out.push(comparison);
  }
  return out;
}

function countClipped(probs: Float32Array, labels: ArrayLike<number>, classes: number): number {
  let n = 0;
  for (let r = 0; r < labels.length; r++) {
    if ((probs[r * classes + (labels[r] as number)] as number) < KERAS_DEFAULTS.crossEntropyClip)
      n++;
  }
  return n;
}

/** 1-based epoch that Keras's EarlyStopping(val_loss, patience) would restore, and when it stops. */
export function earlyStoppingEpochs(
  valLosses: number[],
  patience: number,
): { bestEpoch: number; epochsRun: number } {
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let wait = 0;
  for (let e = 0; e < valLosses.length; e++) {
    const v = valLosses[e] as number;
    if (v < best) {
      best = v;
      bestEpoch = e + 1;
      wait = 0;
    } else if (++wait >= patience) {
      return { bestEpoch, epochsRun: e + 1 };
    }
  }
  return { bestEpoch, epochsRun: valLosses.length };
}

/** A weight difference no rounding accounts for: the trajectories have separated. */
export const SEPARATION_THRESHOLD = 1e-3;

export interface ModelCrosscheck {
  name: CrosscheckModelName;
  variant: CrosscheckVariant;
  optimizer: OptimizerSpec;
  optimizerReference: string;
  epochs: number;
  batch: BatchComparison;
  training: EpochComparison[];
  /** Early stopping (patience 3) as each engine's validation loss would trigger it. */
  earlyStopping?: {
    custom: { bestEpoch: number; epochsRun: number };
    tf: { bestEpoch: number; epochsRun: number };
  };
  /**
   * The first epoch after which some weight differs by more than SEPARATION_THRESHOLD, or null.
   * Rounding keeps the engines ~1e-6 apart until a discrete event: typically a ReLU unit on the
   * edge of zero is active in one engine and not in the other, and Adam, which rescales every
   * gradient to a step of about lr, turns that tiny difference into lr-sized steps. From then
   * on the two are different (equally valid) training runs, compared by their accuracy.
   */
  separatedAtEpoch: number | null;
  /** tf − custom accuracy (training running mean and validation) after the last epoch. */
  finalAccuracyGap: { accuracy: number; val_accuracy: number } | null;
}

export interface CrosscheckOptions {
  seed: number;
  /** Override the study's epochs (0 compares the batch only). */
  epochs?: number;
  batchSize?: number;
  /** Rows of the real batch compared layer by layer (default: batchSize). */
  compareBatchSize?: number;
  models?: readonly CrosscheckModelName[];
  onProgress?: (message: string) => void;
  onEpoch?: (model: CrosscheckModelName, epoch: EpochComparison) => void;
}

export interface CrosscheckReport {
  engines: { custom: { backend: string }; tf: TfBackendInfo };
  settings: { seed: number; batchSize: number; dropout: 'shared-mask'; adam: 'keras3' };
  tolerances: typeof TOLERANCES;
  models: ModelCrosscheck[];
  ok: boolean;
}

/**
 * The `fmnist crosscheck` run: for each model, build both engines from the same spec and the
 * same initial weights (the custom engine's seeded Glorot draw, copied into tfjs), compare one
 * real batch layer by layer, then train both side by side for the study's epochs.
 */
export async function runCrosscheck(
  dataFor: (variant: CrosscheckVariant) => CrosscheckData,
  options: CrosscheckOptions,
): Promise<CrosscheckReport> {
  const batchSize = options.batchSize ?? 32;
  const wanted = options.models ?? CROSSCHECK_MODELS;
  const models: ModelCrosscheck[] = [];
  let customBackend = '';
  let tfBackend: TfBackendInfo | undefined;
  for (const study of crosscheckStudyModels().filter((m) => wanted.includes(m.name))) {
    // Part 1's two models start from the very same weights, as the study resets them; each
    // Part 2 model gets its own draw, as it would when built afresh in the notebook.
    const part2Index = PART2_VARIANTS.indexOf(study.name as Part2Variant);
    const seed = part2Index < 0 ? options.seed : options.seed + 1 + part2Index;
    const custom = new Sequential(study.spec, { seed });
    custom.compile({ optimizer: study.optimizer });
    const reference = await TfReference.create(study.spec, { optimizer: study.optimizer });
    try {
      customBackend = custom.backend.name;
      tfBackend = reference.backendInfo;
      reference.setWeights(custom.getWeights());
      const data = dataFor(study.variant);
      options.onProgress?.(
        `${study.name}: comparing one batch layer by layer (custom ${customBackend}, tfjs ${reference.backend})`,
      );
      const rows = Math.min(options.compareBatchSize ?? batchSize, data.train.y.length);
      const indices = Array.from({ length: rows }, (_, i) => i);
      const rng = new Rng(options.seed).fork(CROSSCHECK_MODELS.indexOf(study.name) + 1);
      const batch = compareBatch(
        custom,
        reference,
        gatherRows(data.train.x, sizeOf(study.spec.inputShape), indices),
        gatherLabels(data.train.y, indices),
        rng.fork(0),
      );
      const epochs = options.epochs ?? study.epochs;
      options.onProgress?.(
        `${study.name}: training both engines for ${epochs} epoch(s), batch ${batchSize}`,
      );
      const training = trainSideBySide(custom, reference, data, {
        epochs,
        batchSize,
        seed: rng.fork(1).int(2 ** 31),
        onEpoch: (e) => options.onEpoch?.(study.name, e),
      });
      const last = training.at(-1);
      const separated = training.find((e) => e.maxWeightDifference > SEPARATION_THRESHOLD);
      const model: ModelCrosscheck = {
        name: study.name,
        variant: study.variant,
        optimizer: study.optimizer,
        optimizerReference: reference.optimizerDescription,
        epochs,
        batch,
        training,
        separatedAtEpoch: separated ? separated.epoch : null,
        finalAccuracyGap: last
          ? { accuracy: last.gap.accuracy, val_accuracy: last.gap.val_accuracy }
          : null,
      };
      if (study.name === 'early-stopping') {
        model.earlyStopping = {
          custom: earlyStoppingEpochs(
            training.map((e) => e.custom.val_loss),
            3,
          ),
          tf: earlyStoppingEpochs(
            training.map((e) => e.tf.val_loss),
            3,
          ),
        };
      }
      models.push(model);
    } finally {
      reference.dispose();
      custom.dispose();
    }
  }
  return {
    engines: { custom: { backend: customBackend }, tf: tfBackend ?? { name: 'cpu', skipped: [] } },
    settings: { seed: options.seed, batchSize, dropout: 'shared-mask', adam: 'keras3' },
    tolerances: TOLERANCES,
    models,
    ok: models.every((m) => m.batch.ok),
  };
}
