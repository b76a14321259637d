/**
 * Training one planned model on either engine, fit-style (Keras semantics: reshuffle every
 * epoch, running means, validation at each epoch's end, early stopping as Keras 3). Runs
 * inside the training worker; reports progress through `post`.
 */
import { type Backend, type FloatArray, JsBackend, Rng } from '@fmnist/core';
import type { Features } from '@fmnist/data';
import { type Callback, EarlyStopping, type EpochEvent, type Logs, Sequential } from '@fmnist/nn';
import { weightsFingerprint } from './fingerprint.js';
import type { EpochLogs, ProgressInfo, TrainedModel, WorkerMessage } from './messages.js';
import type { ModelJob, ModelName } from './plan.js';

export interface VariantSets {
  train: Features;
  validation: Features;
  test: Features;
}

export interface TrainEnv {
  seed: number;
  sets: (variant: 'top' | 'bottom') => VariantSets;
  post: (message: WorkerMessage) => void;
}

/** Batch events are many (1,563 per epoch); the terminal needs a few per second at most. */
const BATCH_EVENT_INTERVAL_MS = 200;
/** Inference batch: the training batch size, so gpu.js reuses the kernels it compiled for it. */
const PREDICT_BATCH = 32;

export interface EngineRunner {
  /** What runs, e.g. `gpujs:webasm`, and why. */
  describe(): Promise<{ backend: string; detail: string }>;
  train(job: ModelJob, env: TrainEnv): Promise<TrainedModel>;
  dispose(): void;
}

function argmaxRows(probs: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(probs.length / classes);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) {
      if (probs[r * classes + k]! > probs[r * classes + best]!) best = k;
    }
    out[r] = best;
  }
  return out;
}

function epochLogs(logs: Logs): EpochLogs {
  return {
    loss: logs.loss ?? Number.NaN,
    accuracy: logs.accuracy ?? Number.NaN,
    val_loss: logs.val_loss ?? Number.NaN,
    val_accuracy: logs.val_accuracy ?? Number.NaN,
  };
}

/** 1-based epoch of the lowest val_loss (the first on a tie, as Keras). */
function lowestValLoss(history: readonly EpochLogs[]): number {
  let best = 0;
  history.forEach((e, i) => {
    if (e.val_loss < history[best]!.val_loss) best = i;
  });
  return best + 1;
}

/** How a run ended, the same for both engines: epochs run, best epoch, early stopping. */
function trainingOutcome(history: readonly EpochLogs[], earlyStopping: EarlyStopping | undefined) {
  return {
    epochsRun: history.length,
    bestEpoch: lowestValLoss(history),
    stoppedEarly: earlyStopping ? earlyStopping.stoppedEpoch > 0 : false,
    restoredEpoch: earlyStopping?.bestWeights ? earlyStopping.bestEpoch + 1 : null,
  };
}

/** Throttles batch progress to a few messages a second; epoch ends always go through. */
function progressReporter(name: ModelName, post: TrainEnv['post']) {
  let last = 0;
  return {
    batch(progress: ProgressInfo) {
      const now = performance.now();
      if (now - last < BATCH_EVENT_INTERVAL_MS) return;
      last = now;
      post({ type: 'batch', name, progress });
    },
    epochBegin(epoch: number, epochs: number) {
      last = performance.now();
      post({ type: 'epoch-begin', name, epoch, epochs });
    },
    epochEnd(progress: ProgressInfo) {
      post({ type: 'epoch-end', name, progress });
    },
  };
}

// -----------------------------------------------------------------------------------------
// custom engine

export class CustomEngine implements EngineRunner {
  /** Networks kept for Part 1's reset: the model, and its weights before any training. */
  readonly #networks = new Map<ModelName, { model: Sequential; initial: FloatArray[] }>();

  constructor(
    readonly backend: Backend,
    readonly detail: string,
  ) {}

  async describe() {
    return { backend: this.backend.name, detail: this.detail };
  }

  async train(job: ModelJob, env: TrainEnv): Promise<TrainedModel> {
    const kept = job.resetFrom ? this.#networks.get(job.resetFrom) : undefined;
    let model: Sequential;
    let initial: FloatArray[];
    if (kept) {
      // Part 1: the same network, put back to the very weights it started from.
      model = kept.model;
      initial = kept.initial;
      model.setWeights(initial);
    } else {
      model = new Sequential(job.spec, { seed: env.seed, backend: this.backend });
      initial = model.getWeights();
    }
    // compile() builds a fresh optimizer, so nothing of the previous training carries over.
    model.compile({ optimizer: job.optimizer, metrics: ['accuracy'] });
    this.#networks.set(job.name, { model, initial });
    const summary = model.summary({ showOptimizer: false });
    env.post({ type: 'model-begin', name: job.name, epochs: job.epochs, summary });

    const sets = env.sets(job.variant);
    const progress = progressReporter(job.name, env.post);
    const callbacks: Callback[] = [];
    const earlyStopping = job.earlyStopping
      ? new EarlyStopping({
          monitor: 'val_loss',
          patience: job.earlyStopping.patience,
          restoreBestWeights: true,
        })
      : undefined;
    if (earlyStopping) callbacks.push(earlyStopping);

    const start = performance.now();
    const history = await model.fit(sets.train.x, sets.train.y, {
      epochs: job.epochs,
      batchSize: job.batchSize,
      validationData: [sets.validation.x, sets.validation.y],
      // The same shuffles for every model of a seed: top and bottom see the same batches.
      seed: env.seed,
      callbacks,
      onEpochBegin: (epoch) => progress.epochBegin(epoch, job.epochs),
      onBatchEnd: (e) =>
        progress.batch({
          epoch: e.epoch,
          epochs: job.epochs,
          step: e.batch + 1,
          steps: e.steps,
          elapsedSeconds: e.elapsedSeconds,
          secondsPerStep: e.secondsPerStep,
          logs: e.logs,
        }),
      onEpochEnd: (e: EpochEvent) =>
        progress.epochEnd({
          epoch: e.epoch,
          epochs: e.epochs,
          step: e.steps,
          steps: e.steps,
          elapsedSeconds: e.elapsedSeconds,
          secondsPerStep: e.secondsPerStep,
          logs: e.logs,
        }),
    });
    const seconds = (performance.now() - start) / 1000;
    const epochs = history.epoch.map((_, i) =>
      epochLogs(Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v[i]!]))),
    );
    const predictions = model.predictClasses(sets.test.x, { batchSize: PREDICT_BATCH });
    return {
      name: job.name,
      part: job.part,
      variant: job.variant,
      engine: 'custom',
      backend: this.backend.name,
      params: model.countParams(),
      summary,
      history: epochs,
      epochsPlanned: job.epochs,
      ...trainingOutcome(epochs, earlyStopping),
      initialWeights: weightsFingerprint(initial),
      seconds,
      predictions,
    };
  }

  dispose(): void {
    this.#networks.clear();
    this.backend.dispose();
  }
}

// -----------------------------------------------------------------------------------------
// TensorFlow.js engine

/**
 * Dropout masks for the TF.js reference drawn from the run's seed, so a tf run is as
 * reproducible as a custom one (tfjs's own dropout RNG cannot be seeded). Undefined when
 * the model has no dropout.
 */
function dropoutMaskMaker(
  job: ModelJob,
  layerNames: readonly string[],
  rng: Rng,
): (batch: number) => Record<string, Float32Array> | undefined {
  const layers: { name: string; units: number; rate: number }[] = [];
  let units = 0;
  job.spec.layers.forEach((layer, i) => {
    if (layer.type === 'dense') units = layer.units;
    if (layer.type === 'dropout') layers.push({ name: layerNames[i]!, units, rate: layer.rate });
  });
  if (layers.length === 0) return () => undefined;
  return (batch) => {
    const masks: Record<string, Float32Array> = {};
    for (const { name, units: n, rate } of layers) {
      const keep = new Float32Array(batch * n);
      for (let k = 0; k < keep.length; k++) keep[k] = rng.nextFloat() >= rate ? 1 : 0;
      masks[name] = keep;
    }
    return masks;
  };
}

/**
 * The TF.js reference (packages/tf) steps one batch at a time; this is the fit around it:
 * the custom engine's shuffle order (same seed, same Rng fork), sample-weighted running
 * means, validation at each epoch's end, and nn's EarlyStopping driving tfjs weights. The
 * initial weights are the custom engine's for the same seed, so both engines start alike.
 */
export class TfEngine implements EngineRunner {
  #initialWeights = new Map<ModelName, FloatArray[]>();
  #backend: string | undefined;

  async describe() {
    const { initTfBackend } = await import('@fmnist/tf');
    const info = await initTfBackend();
    this.#backend = `tfjs:${info.name}`;
    const skipped = info.skipped.length > 0 ? ` (skipped ${info.skipped.join('; ')})` : '';
    return { backend: this.#backend, detail: `TensorFlow.js ${info.name} backend${skipped}` };
  }

  async train(job: ModelJob, env: TrainEnv): Promise<TrainedModel> {
    const { TfReference, gatherRows, gatherLabels, kerasLayerNames } = await import('@fmnist/tf');
    // The custom engine's network for this seed supplies the summary and the initial weights.
    const twin = new Sequential(job.spec, { seed: env.seed, backend: new JsBackend() });
    const initial = (job.resetFrom && this.#initialWeights.get(job.resetFrom)) || twin.getWeights();
    this.#initialWeights.set(job.name, initial);
    const summary = twin.summary({ showOptimizer: false });
    const params = twin.countParams();
    twin.dispose();
    env.post({ type: 'model-begin', name: job.name, epochs: job.epochs, summary });

    const reference = await TfReference.create(job.spec, { optimizer: job.optimizer });
    try {
      reference.setWeights(initial);
      const sets = env.sets(job.variant);
      const progress = progressReporter(job.name, env.post);
      const model = {
        stopTraining: false,
        getWeights: () => reference.getWeights().map((w) => w.values),
        setWeights: (weights: readonly ArrayLike<number>[]) => reference.setWeights(weights),
      };
      const earlyStopping = job.earlyStopping
        ? new EarlyStopping({
            monitor: 'val_loss',
            patience: job.earlyStopping.patience,
            restoreBestWeights: true,
          })
        : undefined;
      earlyStopping?.setModel(model);
      earlyStopping?.onTrainBegin();

      const samples = sets.train.y.length;
      const width = sets.train.x.length / samples;
      const steps = Math.ceil(samples / job.batchSize);
      const shuffle = new Rng(env.seed).fork(0x5eed);
      const masks = dropoutMaskMaker(job, kerasLayerNames(job.spec), new Rng(env.seed).fork(0xd0));
      const order = new Uint32Array(samples);
      const history: EpochLogs[] = [];
      const start = performance.now();
      for (let epoch = 0; epoch < job.epochs && !model.stopTraining; epoch++) {
        progress.epochBegin(epoch, job.epochs);
        for (let i = 0; i < samples; i++) order[i] = i;
        shuffle.shuffle(order);
        const epochStart = performance.now();
        let lossSum = 0;
        let correct = 0;
        for (let step = 0; step < steps; step++) {
          const indices = Array.from(
            order.subarray(step * job.batchSize, Math.min(samples, (step + 1) * job.batchSize)),
          );
          const dropoutMasks = masks(indices.length);
          const result = reference.trainStep(
            gatherRows(sets.train.x, width, indices),
            gatherLabels(sets.train.y, indices),
            dropoutMasks ? { dropoutMasks } : {},
          );
          lossSum += result.loss * indices.length;
          correct += result.accuracy * indices.length;
          const seen = Math.min(samples, (step + 1) * job.batchSize);
          const elapsed = (performance.now() - epochStart) / 1000;
          progress.batch({
            epoch,
            epochs: job.epochs,
            step: step + 1,
            steps,
            elapsedSeconds: elapsed,
            secondsPerStep: elapsed / (step + 1),
            logs: { loss: lossSum / seen, accuracy: correct / seen },
          });
        }
        const trainSeconds = (performance.now() - epochStart) / 1000;
        const validation = reference.evaluate(sets.validation.x, sets.validation.y, job.batchSize);
        const logs: EpochLogs = {
          loss: lossSum / samples,
          accuracy: correct / samples,
          val_loss: validation.loss,
          val_accuracy: validation.accuracy,
        };
        history.push(logs);
        progress.epochEnd({
          epoch,
          epochs: job.epochs,
          step: steps,
          steps,
          elapsedSeconds: (performance.now() - epochStart) / 1000,
          secondsPerStep: trainSeconds / steps,
          logs: { ...logs },
        });
        earlyStopping?.onEpochEnd(epoch, { ...logs });
      }
      earlyStopping?.onTrainEnd();
      const seconds = (performance.now() - start) / 1000;
      const predictions = argmaxRows(reference.predict(sets.test.x, PREDICT_BATCH), 10);
      return {
        name: job.name,
        part: job.part,
        variant: job.variant,
        engine: 'tf',
        backend: this.#backend ?? `tfjs:${reference.backend}`,
        params,
        summary,
        history,
        epochsPlanned: job.epochs,
        ...trainingOutcome(history, earlyStopping),
        initialWeights: weightsFingerprint(initial),
        seconds,
        predictions,
      };
    } finally {
      reference.dispose();
    }
  }

  dispose(): void {
    this.#initialWeights.clear();
  }
}
