/**
 * Training the study's models on either engine, through nn's one `fit` loop. Each engine only
 * says how to build a model for a job (StudyEngine); the loop, the shuffle, early stopping,
 * the outcome and the predictions are the same code for both. No threads, files or
 * environment here: the CLI runs this inside its worker lanes, the lab page inside a Web
 * Worker.
 */
import { type Backend, type FloatArray, JsBackend } from '@fmnist/core';
import type { Features } from '@fmnist/data';
import {
  argmaxRows,
  type Callback,
  EarlyStopping,
  type EpochEvent,
  fit,
  type Logs,
  Sequential,
  type TrainingEngine,
} from '@fmnist/nn';
import { weightsSha256 } from './fingerprint.js';
import type { Crop, ModelJob, ModelName, Part } from './models.js';

export type EngineName = 'custom' | 'tf';

/** One epoch of a history, as Keras's History holds it (running means; val_* at epoch end). */
export interface EpochLogs {
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
}

/** What training hands back for a model; metrics are computed from it afterwards (results.ts). */
export interface TrainedModel {
  name: ModelName;
  /** The study's part; none for an experiment's models. */
  part?: Part;
  crop: Crop;
  engine: EngineName;
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
  /** SHA-256 of the initial weights (float32 little-endian, Keras order). */
  initialWeightsSha256: string;
  /** Wall-clock seconds of fit (training and per-epoch validation). */
  seconds: number;
  /** Wall-clock seconds of each epoch run (its training and its validation). */
  epochSeconds: number[];
  /** The predicted class of every test image, in test order. */
  predictions: Int32Array;
  /** The probability the model gave its predicted class, for every test image (test order). */
  confidence: Float32Array;
  /**
   * The weights the predictions came from (early stopping: the restored ones), in Keras order,
   * float32: what `--save-models` keeps.
   */
  weights: Float32Array[];
}

/** The three splits of one crop, as float features. */
export interface CropSets {
  train: Features;
  validation: Features;
  test: Features;
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

/** What a run says while it trains (plain objects: they cross postMessage as they are). */
export type TrainingEvent =
  | { type: 'model-begin'; name: ModelName; epochs: number; summary: string }
  | { type: 'epoch-begin'; name: ModelName; epoch: number; epochs: number }
  | { type: 'batch'; name: ModelName; progress: ProgressInfo }
  | { type: 'epoch-end'; name: ModelName; progress: ProgressInfo };

/** A model built for a job, ready for fit. */
export interface BuiltModel {
  engine: TrainingEngine;
  /** Probabilities [samples × classes] in inference mode. */
  predict(x: FloatArray, options: { batchSize: number }): Float32Array;
  initialWeights: FloatArray[];
  summary: string;
  params: TrainedModel['params'];
  backend: string;
  dispose(): void;
}

/** How an engine builds the study's models. */
export interface StudyEngine {
  readonly name: EngineName;
  /** What runs, e.g. `gpujs:webasm`, and why. */
  describe(): Promise<{ backend: string; detail: string }>;
  /** A compiled model for the job, starting from `initial` when given, else the seed's draw. */
  build(job: ModelJob, seed: number, initial?: readonly FloatArray[]): Promise<BuiltModel>;
  dispose(): void;
}

export interface TrainOptions {
  seed: number;
  sets: (crop: Crop) => CropSets;
  onEvent?: (event: TrainingEvent) => void;
  /** Batch events are many (1,563 per epoch); default: at most one per 200 ms. */
  batchEventIntervalMs?: number;
  /**
   * Called after each batch event; training waits for a returned promise before the next batch
   * (the lab page yields to its messages here, and pauses). Time waited is not training time:
   * it is left out of every timing.
   */
  between?: () => void | Promise<void>;
  /**
   * Weights to start from, in Keras order, instead of the seeded initial ones (the lab page
   * goes on training from where its Step left a model).
   */
  startFrom?: readonly FloatArray[];
}

/** Inference batch: the training batch size, so gpu.js reuses the kernels it compiled for it. */
const PREDICT_BATCH = 32;

/**
 * Trains jobs one after another on one engine, remembering each job's initial weights so that
 * a job with `resetFrom` (Part 1's bottom) starts from its owner's very initial weights.
 */
export class StudyTrainer {
  readonly #initial = new Map<ModelName, FloatArray[]>();

  constructor(readonly engine: StudyEngine) {}

  async train(job: ModelJob, options: TrainOptions): Promise<TrainedModel> {
    const reset = job.resetFrom ? this.#initial.get(job.resetFrom) : undefined;
    const built = await this.engine.build(job, options.seed, options.startFrom ?? reset);
    try {
      this.#initial.set(job.name, built.initialWeights);
      return await trainBuilt(job, built, this.engine.name, options);
    } finally {
      built.dispose();
    }
  }

  dispose(): void {
    this.#initial.clear();
    this.engine.dispose();
  }
}

async function trainBuilt(
  job: ModelJob,
  built: BuiltModel,
  engine: EngineName,
  options: TrainOptions,
): Promise<TrainedModel> {
  const emit = options.onEvent ?? (() => {});
  emit({ type: 'model-begin', name: job.name, epochs: job.epochs, summary: built.summary });
  const sets = options.sets(job.crop);
  const interval = options.batchEventIntervalMs ?? 200;
  let lastBatchEvent = 0;
  const progress = (e: { epoch: number; steps: number; elapsedSeconds: number }, step: number) =>
    ({
      epoch: e.epoch,
      epochs: job.epochs,
      step,
      steps: e.steps,
      elapsedSeconds: e.elapsedSeconds,
    }) as const;
  const callbacks: Callback[] = [];
  const earlyStopping = job.earlyStopping
    ? new EarlyStopping({
        monitor: 'val_loss',
        patience: job.earlyStopping.patience,
        restoreBestWeights: true,
      })
    : undefined;
  if (earlyStopping) callbacks.push(earlyStopping);
  const initialWeightsSha256 = await weightsSha256(built.initialWeights);

  const history = await fit(built.engine, sets.train.x, sets.train.y, {
    epochs: job.epochs,
    batchSize: job.batchSize,
    validationData: [sets.validation.x, sets.validation.y],
    // The same shuffles for every model of a seed, on either engine: top and bottom, custom and
    // tf, study and crosscheck all see the same batches.
    seed: options.seed,
    callbacks,
    onEpochBegin: (epoch) => {
      lastBatchEvent = performance.now();
      emit({ type: 'epoch-begin', name: job.name, epoch, epochs: job.epochs });
    },
    onBatchEnd: (e) => {
      const now = performance.now();
      if (now - lastBatchEvent < interval) return;
      lastBatchEvent = now;
      emit({
        type: 'batch',
        name: job.name,
        progress: { ...progress(e, e.batch + 1), secondsPerStep: e.secondsPerStep, logs: e.logs },
      });
      // fit waits for it, and leaves the time waited out of its timings.
      return options.between?.();
    },
    onEpochEnd: (e: EpochEvent) => {
      emit({
        type: 'epoch-end',
        name: job.name,
        progress: { ...progress(e, e.steps), secondsPerStep: e.secondsPerStep, logs: e.logs },
      });
    },
  });
  const { seconds, epochSeconds } = history;
  const epochs = history.epoch.map((_, i) =>
    epochLogs(Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v[i]!]))),
  );
  // The predicted class (argmax, first on ties) and its probability, from one pass over the test set.
  const probs = built.predict(sets.test.x, { batchSize: PREDICT_BATCH });
  const samples = sets.test.y.length;
  const classes = probs.length / samples;
  const predictions = argmaxRows(probs, classes);
  const confidence = new Float32Array(samples);
  for (let i = 0; i < samples; i++) confidence[i] = probs[i * classes + predictions[i]!]!;
  const weights = built.engine
    .getWeights()
    .map((w) => (w instanceof Float32Array ? w : Float32Array.from(w)));
  return {
    name: job.name,
    ...(job.part ? { part: job.part } : {}),
    crop: job.crop,
    engine,
    backend: built.backend,
    params: built.params,
    summary: built.summary,
    history: epochs,
    epochsPlanned: job.epochs,
    epochsRun: epochs.length,
    // 1-based epoch of the lowest val_loss, the first on a tie (as Keras).
    bestEpoch: history.bestEpoch('val_loss'),
    stoppedEarly: earlyStopping ? earlyStopping.stoppedEpoch > 0 : false,
    restoredEpoch: earlyStopping?.bestWeights ? earlyStopping.bestEpoch + 1 : null,
    initialWeightsSha256,
    seconds,
    epochSeconds,
    predictions,
    confidence,
    weights,
  };
}

function epochLogs(logs: Logs): EpochLogs {
  return {
    loss: logs.loss ?? Number.NaN,
    accuracy: logs.accuracy ?? Number.NaN,
    val_loss: logs.val_loss ?? Number.NaN,
    val_accuracy: logs.val_accuracy ?? Number.NaN,
  };
}

// -----------------------------------------------------------------------------------------
// the two engines

/** The custom engine: nn's Sequential on a Backend (gpu.js, or the js reference). */
export class CustomStudyEngine implements StudyEngine {
  readonly name = 'custom';
  /** Part 1's reset runs on the very network that trained top. */
  readonly #networks = new Map<string, Sequential>();

  constructor(
    readonly backend: Backend,
    readonly detail: string,
  ) {}

  async describe() {
    return { backend: this.backend.name, detail: this.detail };
  }

  /** The network the job of this name trains (the lab page looks inside it). */
  network(name: string): Sequential | undefined {
    return this.#networks.get(name);
  }

  async build(job: ModelJob, seed: number, initial?: readonly FloatArray[]): Promise<BuiltModel> {
    const owner = job.resetFrom ? this.#networks.get(job.resetFrom) : undefined;
    const model =
      owner && initial ? owner : new Sequential(job.spec, { seed, backend: this.backend });
    if (initial) model.setWeights(initial);
    this.#networks.set(job.name, model);
    // compile() builds a fresh optimizer, so nothing of the previous training carries over.
    model.compile({ optimizer: job.optimizer, metrics: ['accuracy'] });
    return {
      engine: model.trainer,
      predict: (x, o) => model.predict(x, o),
      initialWeights: model.getWeights(),
      summary: model.summary({ showOptimizer: false }),
      params: model.countParams(),
      backend: this.backend.name,
      dispose: () => {},
    };
  }

  dispose(): void {
    this.#networks.clear();
    this.backend.dispose();
  }
}

/**
 * The TensorFlow.js reference. Its initial weights are the custom engine's for the same seed
 * (a twin Sequential on the js backend draws them), so both engines start alike.
 */
export class TfStudyEngine implements StudyEngine {
  readonly name = 'tf';
  #backend: string | undefined;

  async describe() {
    const { initTfBackend } = await import('@fmnist/tf');
    const info = await initTfBackend();
    this.#backend = `tfjs:${info.name}`;
    const skipped = info.skipped.length > 0 ? ` (skipped ${info.skipped.join('; ')})` : '';
    return { backend: this.#backend, detail: `TensorFlow.js ${info.name} backend${skipped}` };
  }

  async build(job: ModelJob, seed: number, initial?: readonly FloatArray[]): Promise<BuiltModel> {
    const { TfReference, TfTrainingEngine } = await import('@fmnist/tf');
    const twin = new Sequential(job.spec, { seed, backend: new JsBackend() });
    const weights = initial ? [...initial] : twin.getWeights();
    const summary = twin.summary({ showOptimizer: false });
    const params = twin.countParams();
    twin.dispose();
    const reference = await TfReference.create(job.spec, { optimizer: job.optimizer });
    reference.setWeights(weights);
    const engine = new TfTrainingEngine(reference, seed);
    return {
      engine,
      predict: (x, o) => engine.predict(x, o),
      initialWeights: weights,
      summary,
      params,
      backend: this.#backend ?? `tfjs:${reference.backend}`,
      dispose: () => reference.dispose(),
    };
  }

  dispose(): void {}
}
