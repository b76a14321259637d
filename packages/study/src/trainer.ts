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

  /**
   * Trains `job` and, observed on the very same run, its early-stopping twin (see
   * `earlyStoppingTwin`): the twin's EarlyStopping watches the job's epochs as they come, and
   * where it would have stopped, its history, its restored weights and their test predictions
   * are the twin's. The same seed, data, batches and initial weights make the twin's own run
   * the job's first epochs to the bit, so its result is what training it apart would give
   * (test/twins.test.ts checks it), for the epochs it would have repeated.
   */
  async trainWithTwin(
    job: ModelJob,
    twin: ModelJob,
    options: TrainOptions,
  ): Promise<[TrainedModel, TrainedModel]> {
    if (!earlyStoppingTwin(job, twin)) {
      throw new Error(`${twin.name} is not ${job.name} with early stopping added`);
    }
    const built = await this.engine.build(job, options.seed, options.startFrom);
    try {
      this.#initial.set(job.name, built.initialWeights);
      this.#initial.set(twin.name, built.initialWeights);
      const observed = observeTwin(twin, built, options);
      const trained = await trainBuilt(job, built, this.engine.name, options, observed);
      return [trained, await observed.result(trained, options)];
    } finally {
      built.dispose();
    }
  }

  dispose(): void {
    this.#initial.clear();
    this.engine.dispose();
  }
}

/**
 * Whether `twin` is `job` with early stopping added and nothing else changed (the layers, crop,
 * optimizer and batch size; at most as many epochs; no reset), so that its run is `job`'s
 * first epochs to the bit and can be observed on `job`'s own run.
 */
export function earlyStoppingTwin(job: ModelJob, twin: ModelJob): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return (
    job.earlyStopping === undefined &&
    twin.earlyStopping !== undefined &&
    job.resetFrom === undefined &&
    twin.resetFrom === undefined &&
    twin.epochs <= job.epochs &&
    twin.batchSize === job.batchSize &&
    same(job.crop, twin.crop) &&
    same(job.optimizer, twin.optimizer) &&
    same(job.spec.inputShape, twin.spec.inputShape) &&
    same(job.spec.layers, twin.spec.layers)
  );
}

/**
 * The plan's jobs with each early-stopping twin put beside the job it can be observed on:
 * `[job, twin]` pairs and lone jobs, in plan order of their first.
 */
export function pairTwins(jobs: readonly ModelJob[]): (ModelJob | [ModelJob, ModelJob])[] {
  const paired = new Set<ModelJob>();
  const out: (ModelJob | [ModelJob, ModelJob])[] = [];
  for (const job of jobs) {
    if (paired.has(job)) continue;
    const twin = jobs.find((t) => t !== job && !paired.has(t) && earlyStoppingTwin(job, t));
    if (twin) {
      paired.add(job).add(twin);
      out.push([job, twin]);
    } else out.push(job);
  }
  return out;
}

/** The twin's EarlyStopping, fed the job's epochs, and what it would have left behind. */
function observeTwin(twin: ModelJob, built: BuiltModel, options: TrainOptions) {
  const emit = options.onEvent ?? (() => {});
  const watcher = new EarlyStopping({
    monitor: 'val_loss',
    patience: twin.earlyStopping!.patience,
    restoreBestWeights: true,
  });
  let restored: FloatArray[] | null = null;
  let lastEpoch = -1;
  const copies = () => built.engine.getWeights().map((w) => Float32Array.from(w));
  // What the twin's run would have been shown: it reads the job's weights, and its stop and its
  // restore are kept here instead of reaching the job's run.
  watcher.setModel({
    getWeights: copies,
    setWeights: (weights) => {
      restored = weights.map((w) => Float32Array.from(w));
    },
    stopTraining: false,
  });
  // Its summary names it (the job's names the job); the layers are the job's.
  const summary = new Sequential(twin.spec, { backend: new JsBackend() }).summary({
    showOptimizer: false,
  });
  const callback: Callback = {
    onTrainBegin: () => {
      watcher.onTrainBegin();
      emit({ type: 'model-begin', name: twin.name, epochs: twin.epochs, summary });
    },
    onEpochEnd: (epoch, logs) => {
      if (lastEpoch >= 0) return;
      watcher.onEpochEnd(epoch, logs);
      if (watcher.stoppedEpoch > 0 || epoch + 1 === twin.epochs) {
        lastEpoch = epoch;
        watcher.onTrainEnd();
        // No best weights to put back: the twin ends with the weights it has.
        restored ??= copies();
      }
    },
  };
  return {
    callback,
    /** The twin's progress, as its own run would show it, while it runs. */
    onEpochEnd(e: EpochEvent) {
      if (lastEpoch >= 0) return;
      const progress = { epoch: e.epoch, epochs: twin.epochs, step: e.steps, steps: e.steps };
      emit({
        type: 'epoch-end',
        name: twin.name,
        progress: {
          ...progress,
          elapsedSeconds: e.elapsedSeconds,
          secondsPerStep: e.secondsPerStep,
          logs: e.logs,
        },
      });
    },
    async result(trained: TrainedModel, options: TrainOptions): Promise<TrainedModel> {
      const last = lastEpoch >= 0 ? lastEpoch : trained.epochsRun - 1;
      const weights = restored ?? trained.weights;
      built.engine.setWeights(weights);
      const { predictions, confidence } = predictTest(built, options.sets(twin.crop).test);
      const history = trained.history.slice(0, last + 1);
      const epochSeconds = trained.epochSeconds.slice(0, last + 1);
      return {
        ...trained,
        name: twin.name,
        ...(twin.part ? { part: twin.part } : {}),
        summary,
        history,
        epochsPlanned: twin.epochs,
        epochsRun: history.length,
        bestEpoch: firstLowest(history.map((h) => h.val_loss)),
        stoppedEarly: watcher.stoppedEpoch > 0,
        restoredEpoch: watcher.bestWeights ? watcher.bestEpoch + 1 : null,
        seconds: epochSeconds.reduce((a, b) => a + b, 0),
        epochSeconds,
        predictions,
        confidence,
        weights: weights.map((w) => Float32Array.from(w)),
      };
    },
  };
}

/** 1-based index of the lowest value, the first on a tie (History.bestEpoch's rule). */
function firstLowest(values: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || values[i]! < values[best]!) best = i;
  return best + 1;
}

/** The predicted class (argmax, first on ties) and its probability, in one pass over the test set. */
function predictTest(built: BuiltModel, test: { x: Float32Array; y: ArrayLike<number> }) {
  const probs = built.predict(test.x, { batchSize: PREDICT_BATCH });
  const samples = test.y.length;
  const classes = probs.length / samples;
  const predictions = argmaxRows(probs, classes);
  const confidence = new Float32Array(samples);
  for (let i = 0; i < samples; i++) confidence[i] = probs[i * classes + predictions[i]!]!;
  return { predictions, confidence };
}

async function trainBuilt(
  job: ModelJob,
  built: BuiltModel,
  engine: EngineName,
  options: TrainOptions,
  observer?: { callback: Callback; onEpochEnd(e: EpochEvent): void },
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
  if (observer) callbacks.push(observer.callback);
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
      observer?.onEpochEnd(e);
    },
  });
  const { seconds, epochSeconds } = history;
  const epochs = history.epoch.map((_, i) =>
    epochLogs(Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v[i]!]))),
  );
  const { predictions, confidence } = predictTest(built, sets.test);
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
