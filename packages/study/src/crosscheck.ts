/**
 * The cross-check: the custom engine against the TensorFlow.js reference on the study's own
 * models. Each model starts from the same initial weights as `fmnist study` trains with the
 * same seed; one real batch is compared layer by layer; then both engines train side by side
 * through nn's one fit loop (the study's shuffle, the custom engine's own dropout masks handed
 * to tfjs batch by batch), epoch by epoch compared.
 */
import { type Backend, type FloatArray, Rng } from '@fmnist/core';
import {
  Dropout,
  EarlyStopping,
  type EpochEvent,
  type EvaluateResult,
  fit,
  type InputData,
  KERAS_DEFAULTS,
  type Labels,
  type OptimizerSpec,
  Sequential,
  type TrainingEngine,
} from '@fmnist/nn';
import {
  type Difference,
  difference,
  gatherLabels,
  gatherRows,
  releaseDropoutMasks,
  shareDropoutMasks,
  sizeOf,
  type TfBackendInfo,
  TfReference,
  TfTrainingEngine,
  TOLERANCES,
  type Tolerance,
  withinTolerance,
} from '@fmnist/tf';
import { weightsSha256 } from './fingerprint.js';
import {
  BATCH_SIZE,
  type Crop,
  MODEL_NAMES,
  type ModelJob,
  type ModelName,
  studyJobs,
} from './models.js';

/** The study's six models, in the order the report shows them. */
export const CROSSCHECK_MODELS: readonly string[] = MODEL_NAMES;
export type CrosscheckModelName = ModelName;

export interface LabelledSet {
  /** [samples × 14 × 28] flattened, in [0, 1]. */
  x: Float32Array;
  y: Labels;
}

export interface CrosscheckData {
  train: LabelledSet;
  validation: LabelledSet;
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
  /** d loss / d x arriving at the layer's input (the first layer's too). */
  inputGradient: CheckedDifference;
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
  // The model's own seam: every layer's training-mode output and the dL/dx it passes down.
  const taps = custom.step(x, labelArray, { apply: false, taps: true }).taps!;
  const customLoss = taps.loss;
  const customTraining = custom.layers.map((l, i) => ({
    layer: l.name,
    className: l.className,
    values: taps.outputs[i]!,
  }));
  const customGradients = custom.getGradients();
  const tfStep = reference.gradients(x, labelArray, {
    dropoutMasks: masks,
    recordActivations: true,
  });
  const tfInputGradients = reference.inputGradients(x, labelArray, { dropoutMasks: masks });
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
    inputGradient: checked(
      taps.gradInputs[i] ?? [],
      tfInputGradients[i]?.values ?? [],
      TOLERANCES.gradients,
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
    layers.every(
      (l) =>
        l.inference.ok && l.training.ok && l.inputGradient.ok && l.gradients.every((g) => g.ok),
    );
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

/**
 * Both engines as one TrainingEngine, so that nn's fit trains them side by side: each batch
 * goes through the custom engine first (drawing its own dropout masks, as in the study), then
 * through tfjs with those very masks; validation evaluates both. fit sees the custom engine's
 * figures; the tf figures and the differences are collected here, epoch by epoch.
 */
class PairedEngine implements TrainingEngine {
  readonly inputSize: number;
  stopTraining = false;
  readonly #dropouts: Dropout[];
  #sums = { tfLoss: 0, tfCorrect: 0, clipped: 0 };
  #tfValidation: EvaluateResult = { loss: Number.NaN, accuracy: Number.NaN };

  constructor(
    readonly custom: Sequential,
    readonly tf: TfTrainingEngine,
  ) {
    this.inputSize = custom.inputSize;
    this.#dropouts = custom.layers.filter((l): l is Dropout => l instanceof Dropout);
  }

  getWeights(): FloatArray[] {
    return this.custom.getWeights();
  }

  setWeights(weights: readonly ArrayLike<number>[]): void {
    this.custom.setWeights(weights);
    this.tf.setWeights(weights);
  }

  prepare(batchSize: number): void {
    this.custom.trainer.prepare(batchSize);
  }

  finishEpoch(): void {
    this.custom.trainer.finishEpoch();
  }

  trainBatch(
    x: FloatArray,
    y: Int32Array,
    batch: number,
    position: { epoch: number; step: number },
  ) {
    const totals = this.custom.trainer.trainBatch(x, y, batch, position);
    const masks: Record<string, Float32Array> = {};
    for (const layer of this.#dropouts) {
      const keep = layer.lastKeepMask(batch);
      if (keep) masks[layer.name] = keep;
    }
    const t = this.tf.trainBatch(x, y, batch, position, masks);
    this.#sums.tfLoss += t.lossSum;
    this.#sums.tfCorrect += t.correct;
    const output = this.tf.lastStep?.output;
    if (output)
      this.#sums.clipped += countClipped(output, y.subarray(0, batch), output.length / batch);
    return totals;
  }

  evaluate(x: InputData, y: Labels, options: { batchSize?: number } = {}): EvaluateResult {
    this.#tfValidation = this.tf.evaluate(x, y, options);
    return this.custom.evaluate(x, y, options);
  }

  /** The epoch's comparison (fit's logs are the custom engine's); resets the sums. */
  endEpoch(event: EpochEvent, samples: number): EpochComparison {
    const n = Math.max(samples, 1);
    const c: EngineEpoch = {
      loss: event.logs.loss!,
      accuracy: event.logs.accuracy!,
      val_loss: event.logs.val_loss!,
      val_accuracy: event.logs.val_accuracy!,
    };
    const t: EngineEpoch = {
      loss: this.#sums.tfLoss / n,
      accuracy: this.#sums.tfCorrect / n,
      val_loss: this.#tfValidation.loss,
      val_accuracy: this.#tfValidation.accuracy,
    };
    const tfWeights = this.tf.getWeights();
    const maxWeightDifference = this.custom
      .getWeights()
      .reduce((m, w, k) => Math.max(m, difference(w, tfWeights[k] ?? []).maxAbs), 0);
    const comparison: EpochComparison = {
      epoch: event.epoch + 1,
      custom: c,
      tf: t,
      gap: {
        loss: t.loss - c.loss,
        accuracy: t.accuracy - c.accuracy,
        val_loss: t.val_loss - c.val_loss,
        val_accuracy: t.val_accuracy - c.val_accuracy,
      },
      maxWeightDifference,
      clippedLabels: this.#sums.clipped,
    };
    this.#sums = { tfLoss: 0, tfCorrect: 0, clipped: 0 };
    return comparison;
  }
}

function countClipped(probs: Float32Array, labels: ArrayLike<number>, classes: number): number {
  let n = 0;
  for (let r = 0; r < labels.length; r++) {
    if ((probs[r * classes + (labels[r] as number)] as number) < KERAS_DEFAULTS.crossEntropyClip)
      n++;
  }
  return n;
}

/**
 * What EarlyStopping (nn's, the study's) would do on one engine's validation losses: the
 * 1-based epoch it restores and how many epochs it lets run.
 */
export function earlyStoppingOutcome(
  valLosses: readonly number[],
  patience: number,
): { bestEpoch: number; epochsRun: number } {
  const callback = new EarlyStopping({ monitor: 'val_loss', patience });
  const observer = { stopTraining: false, getWeights: () => [], setWeights: () => {} };
  callback.setModel(observer);
  callback.onTrainBegin();
  let epochsRun = valLosses.length;
  for (let e = 0; e < valLosses.length; e++) {
    callback.onEpochEnd(e, { val_loss: valLosses[e]! });
    if (observer.stopTraining) {
      epochsRun = e + 1;
      break;
    }
  }
  return { bestEpoch: callback.bestEpoch + 1, epochsRun };
}

/** A weight difference no rounding accounts for: the trajectories have separated. */
export const SEPARATION_THRESHOLD = 1e-3;

/**
 * How closely two side-by-side training runs must agree, with why. Measured with
 * `fmnist crosscheck --limit 3000` (seed 42, js backend), every model and epoch: while the
 * weights stay within SEPARATION_THRESHOLD the loss gaps are at most 1e-7 and the accuracies
 * equal; after separating, the largest final accuracy gap was 0.021 (batch-norm, 3,000
 * validation images), within two standard deviations of two independent runs' difference.
 */
export const TRAINING_AGREEMENT = {
  /** Loss and val_loss gaps while the weights are together: 100 times the largest measured. */
  lossWhileTogether: { abs: 1e-5, rel: 1e-5 },
  /**
   * Accuracies while together may differ by this many samples, plus one per
   * `samplesPerExtraFlip` samples counted: a near-tie can flip, and the more samples, the more
   * near-ties. (The full `fmnist crosscheck`, 50,000 training images, saw 3 flips in top's
   * epochs 6 and 7 with the weights within 2.4e-5 of each other.)
   */
  samplesWhileTogether: 2,
  samplesPerExtraFlip: 10_000,
  /**
   * After the last epoch, |accuracy gap| ≤ max(floor, sigmas · √(2p(1 − p)/n)): two equally
   * valid runs differ about as two independent draws of n samples at accuracy p do.
   */
  accuracyFloor: 0.03,
  accuracySigmas: 5,
} as const;

/** Whether the side-by-side training agrees as TRAINING_AGREEMENT says; each problem in words. */
export interface TrainingVerdict {
  ok: boolean;
  problems: string[];
}

/**
 * Judges one model's side-by-side training: every figure finite in both engines; while the
 * weights are together (no weight apart by more than SEPARATION_THRESHOLD) the losses agree to
 * rounding and the accuracies to a sample or two; after the last epoch the accuracies within
 * what two equally valid runs differ by. `samples`: training and validation set sizes.
 */
export function judgeTraining(
  training: readonly EpochComparison[],
  samples: { train: number; validation: number },
): TrainingVerdict {
  const problems: string[] = [];
  const a = TRAINING_AGREEMENT;
  const figures = ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const;
  for (const e of training) {
    for (const f of figures) {
      for (const engine of ['custom', 'tf'] as const) {
        if (!Number.isFinite(e[engine][f])) {
          problems.push(`epoch ${e.epoch}: ${engine} ${f} is ${e[engine][f]}`);
        }
      }
    }
    if (e.maxWeightDifference > SEPARATION_THRESHOLD) continue;
    for (const f of ['loss', 'val_loss'] as const) {
      const allowed = a.lossWhileTogether.abs + a.lossWhileTogether.rel * Math.abs(e.tf[f]);
      if (Math.abs(e.gap[f]) > allowed) {
        problems.push(
          `epoch ${e.epoch}: ${f} differs by ${Math.abs(e.gap[f]).toExponential(2)} while the weights are within ${SEPARATION_THRESHOLD} (allowed ${allowed.toExponential(2)})`,
        );
      }
    }
    for (const [f, n] of [
      ['accuracy', samples.train],
      ['val_accuracy', samples.validation],
    ] as const) {
      const flips = a.samplesWhileTogether + Math.floor(n / a.samplesPerExtraFlip);
      const allowed = flips / Math.max(n, 1) + 1e-12;
      if (Math.abs(e.gap[f]) > allowed) {
        problems.push(
          `epoch ${e.epoch}: ${f} differs by ${Math.round(Math.abs(e.gap[f]) * n)} of ${n} samples while the weights are within ${SEPARATION_THRESHOLD} (allowed ${flips})`,
        );
      }
    }
  }
  const last = training.at(-1);
  if (last) {
    for (const [f, n] of [
      ['accuracy', samples.train],
      ['val_accuracy', samples.validation],
    ] as const) {
      const allowed = accuracyGapAllowed(last.tf[f], n);
      if (Math.abs(last.gap[f]) > allowed) {
        problems.push(
          `after epoch ${last.epoch}: ${f} differs by ${Math.abs(last.gap[f]).toFixed(4)}, more than two equally valid runs do (allowed ${allowed.toFixed(4)})`,
        );
      }
    }
  }
  return { ok: problems.length === 0, problems };
}

/** TRAINING_AGREEMENT's final accuracy bound for accuracy p over n samples. */
export function accuracyGapAllowed(p: number, n: number): number {
  const a = TRAINING_AGREEMENT;
  const q = Number.isFinite(p) ? Math.min(Math.max(p, 0), 1) : 0.5;
  return Math.max(
    a.accuracyFloor,
    a.accuracySigmas * Math.sqrt((2 * q * (1 - q)) / Math.max(n, 1)),
  );
}

export interface ModelCrosscheck {
  name: CrosscheckModelName;
  crop: Crop;
  optimizer: OptimizerSpec;
  optimizerReference: string;
  epochs: number;
  batchSize: number;
  /** SHA-256 of the initial weights: the same as `fmnist study` reports for the same seed. */
  initialWeightsSha256: string;
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
  /** The side-by-side training judged by TRAINING_AGREEMENT (ok when nothing was trained). */
  trainingVerdict: TrainingVerdict;
}

export interface CrosscheckOptions {
  seed: number;
  /** The custom engine's backend (the caller owns it). */
  backend: Backend;
  /** Override the study's epochs (0 compares the batch only). */
  epochs?: number;
  batchSize?: number;
  /** Rows of the real batch compared layer by layer (default: batchSize). */
  compareBatchSize?: number;
  models?: readonly CrosscheckModelName[];
  /** The models to check: an experiment's jobs (default: the study's, with `epochs`). */
  jobs?: readonly ModelJob[];
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
 * The `fmnist crosscheck` run: for each of the study's models (as models.ts plans them, with
 * the run's seed, so from the very initial weights the study trains), build both engines,
 * compare one real batch layer by layer, then train both side by side for the study's epochs.
 */
export async function runCrosscheck(
  dataFor: (crop: Crop) => CrosscheckData,
  options: CrosscheckOptions,
): Promise<CrosscheckReport> {
  const all = options.jobs ?? studyJobs(options.epochs);
  const wanted = options.models ?? all.map((job) => job.name);
  // One batch size for the whole report: the option's, else the study's (an experiment's
  // models may each have their own: see `batchSizeOf`).
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const batchSizeOf = (job: ModelJob) =>
    options.batchSize ?? (options.jobs ? job.batchSize : BATCH_SIZE);
  const models: ModelCrosscheck[] = [];
  let tfBackend: TfBackendInfo | undefined;
  const jobs = all.filter((job) => wanted.includes(job.name));
  for (const job of jobs) {
    const jobBatch = batchSizeOf(job);
    const custom = new Sequential(job.spec, { seed: options.seed, backend: options.backend });
    custom.compile({ optimizer: job.optimizer });
    const reference = await TfReference.create(job.spec, { optimizer: job.optimizer });
    try {
      tfBackend = reference.backendInfo;
      const initial = custom.getWeights();
      reference.setWeights(initial);
      const data = dataFor(job.crop);
      options.onProgress?.(
        `${job.name}: comparing one batch layer by layer (custom ${options.backend.name}, tfjs ${reference.backend})`,
      );
      const rows = Math.min(options.compareBatchSize ?? jobBatch, data.train.y.length);
      const indices = Array.from({ length: rows }, (_, i) => i);
      // The dropout masks of the compared batch: forked by the model's place in its plan.
      const rng = new Rng(options.seed).fork(all.indexOf(job) + 1);
      const batch = compareBatch(
        custom,
        reference,
        gatherRows(data.train.x, sizeOf(job.spec.inputShape), indices),
        gatherLabels(data.train.y, indices),
        rng.fork(0),
      );
      options.onProgress?.(
        `${job.name}: training both engines for ${job.epochs} epoch(s), batch ${jobBatch}`,
      );
      const training = await trainSideBySide(job, custom, reference, data, {
        batchSize: jobBatch,
        seed: options.seed,
        onEpoch: (e) => options.onEpoch?.(job.name, e),
      });
      const last = training.at(-1);
      const separated = training.find((e) => e.maxWeightDifference > SEPARATION_THRESHOLD);
      const model: ModelCrosscheck = {
        name: job.name,
        crop: job.crop,
        optimizer: job.optimizer,
        optimizerReference: reference.optimizerDescription,
        epochs: job.epochs,
        batchSize: jobBatch,
        initialWeightsSha256: await weightsSha256(initial),
        batch,
        training,
        separatedAtEpoch: separated ? separated.epoch : null,
        finalAccuracyGap: last
          ? { accuracy: last.gap.accuracy, val_accuracy: last.gap.val_accuracy }
          : null,
        trainingVerdict: judgeTraining(training, {
          train: data.train.y.length,
          validation: data.validation.y.length,
        }),
      };
      if (job.earlyStopping) {
        const { patience } = job.earlyStopping;
        model.earlyStopping = {
          custom: earlyStoppingOutcome(
            training.map((e) => e.custom.val_loss),
            patience,
          ),
          tf: earlyStoppingOutcome(
            training.map((e) => e.tf.val_loss),
            patience,
          ),
        };
      }
      models.push(model);
    } finally {
      reference.dispose();
    }
  }
  return {
    engines: {
      custom: { backend: options.backend.name },
      tf: tfBackend ?? { name: 'cpu', skipped: [] },
    },
    settings: { seed: options.seed, batchSize, dropout: 'shared-mask', adam: 'keras3' },
    tolerances: TOLERANCES,
    models,
    // The batch compared layer by layer, and the side-by-side training.
    ok: models.every((m) => m.batch.ok && m.trainingVerdict.ok),
  };
}

/**
 * Trains both engines from identical weights on the study's batches (nn's fit, the run's
 * seed), the custom engine's dropout masks shared with tfjs batch by batch; one comparison per
 * epoch. Early stopping is not applied: both run every epoch, and what it would have done on
 * each engine is reported instead.
 */
export async function trainSideBySide(
  job: ModelJob,
  custom: Sequential,
  reference: TfReference,
  data: CrosscheckData,
  options: { batchSize: number; seed: number; onEpoch?: (epoch: EpochComparison) => void },
): Promise<EpochComparison[]> {
  const pair = new PairedEngine(custom, new TfTrainingEngine(reference, options.seed));
  const out: EpochComparison[] = [];
  if (job.epochs === 0) return out;
  await fit(pair, data.train.x, data.train.y, {
    epochs: job.epochs,
    batchSize: options.batchSize,
    validationData: [data.validation.x, data.validation.y],
    seed: options.seed,
    onEpochEnd: (event) => {
      const comparison = pair.endEpoch(event, data.train.y.length);
      options.onEpoch?.(comparison);
      out.push(comparison);
    },
  });
  return out;
}
