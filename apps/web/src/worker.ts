/**
 * The lab page's training worker (a module Web Worker): fetches the four Fashion-MNIST files
 * from the lab server (127.0.0.1 only), unpacks them in the page (DecompressionStream), makes
 * the crop's float features with @fmnist/data, and trains one of the study's models with
 * @fmnist/study's one trainer on the custom engine: the very code `fmnist part1/part2` runs in
 * its worker threads. Training is long synchronous work; the page stops it by terminating
 * this worker.
 */
/// <reference lib="webworker" />

import { type FloatArray, JsBackend, Rng } from '@fmnist/core';
import { createBackendWithSelection } from '@fmnist/core/gpujs';
import {
  CLASS_NAMES,
  DATASET_FILES,
  type DatasetFileKey,
  features,
  IMAGE_SIZE,
  type ImageSet,
  isGzip,
  parseIdxImages,
  parseIdxLabels,
  sliceSet,
  splitTrainValidation,
} from '@fmnist/data';
import { Dropout, drawDropoutMasks, Sequential } from '@fmnist/nn';
import { classificationMetrics, classificationReport } from '@fmnist/reports/classification';
import {
  type BuiltModel,
  type Crop,
  type CropSets,
  CustomStudyEngine,
  GRADIENT_CHECK,
  gradientCheck,
  type ModelJob,
  planJobs,
  StudyTrainer,
} from '@fmnist/study/training';
import type { CheckResult, FromWorker, ToWorker, TrainRequest } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;
const post = (message: FromWorker, transfer: Transferable[] = []) =>
  self.postMessage(message, transfer);

async function fetchFile(key: DatasetFileKey): Promise<Uint8Array> {
  const file = DATASET_FILES.find((f) => f.key === key)!;
  const response = await fetch(`/data/${key}`);
  if (!response.ok) throw new Error(`the lab server answered ${response.status} for ${file.name}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!isGzip(bytes)) return bytes;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

async function imageSet(images: DatasetFileKey, labels: DatasetFileKey): Promise<ImageSet> {
  const [imageBytes, labelBytes] = await Promise.all([fetchFile(images), fetchFile(labels)]);
  const name = (key: DatasetFileKey) => DATASET_FILES.find((f) => f.key === key)!.name;
  const parsed = parseIdxImages(
    imageBytes,
    { file: name(images) },
    { rows: IMAGE_SIZE, cols: IMAGE_SIZE },
  );
  return { ...parsed, labels: parseIdxLabels(labelBytes, { file: name(labels) }) };
}

/** The custom engine, keeping hold of the model it built so the page can look inside it. */
class LabEngine extends CustomStudyEngine {
  model: Sequential | null = null;
  override async build(job: ModelJob, seed: number, initial?: readonly FloatArray[]) {
    const built: BuiltModel = await super.build(job, seed, initial);
    this.model = built.engine as Sequential;
    return built;
  }
}

const SNAPSHOT_INTERVAL_MS = 500;

/** The last trained model, kept for the finite-difference check. */
let last: { job: ModelJob; seed: number; weights: Float32Array[]; sets: CropSets } | null = null;

/**
 * explain's check of the backward pass on the trained weights: a float64 copy of the model on
 * the js backend, its analytic gradient against a central difference of the loss, on a few
 * entries of every weight, over the first 32 training images (dropout masks drawn once and
 * pinned, so the loss is one function of the weights).
 */
function check(): CheckResult {
  if (!last) throw new Error('Train a model first: the check runs on its weights');
  const { job, seed, weights, sets } = last;
  const batch = Math.min(32, sets.train.y.length);
  const size = sets.train.shape[1] * sets.train.shape[2];
  const x = sets.train.x.slice(0, batch * size);
  const labels = Int32Array.from(sets.train.y.subarray(0, batch));
  const rng = new Rng(seed).fork(0xe4);
  const probe = new Sequential(job.spec, { seed, backend: new JsBackend() });
  const sites = probe.layers
    .filter((l): l is Dropout => l instanceof Dropout)
    .map((l) => ({ name: l.name, units: l.inputSize, rate: l.rate }));
  probe.dispose();
  const masks = drawDropoutMasks(sites, batch, rng.fork(1));
  const result = gradientCheck(
    job.spec,
    weights,
    masks,
    x,
    labels,
    GRADIENT_CHECK.entriesPerWeight,
    rng.fork(2),
  );
  return {
    batch,
    checked: result.checked,
    kinks: result.kinks,
    maxRelativeError: result.maxRelativeError,
    bound: GRADIENT_CHECK.bound,
    entries: [...result.entries].flatMap(([weight, list]) => list.map((e) => ({ weight, ...e }))),
  };
}

async function train(request: TrainRequest): Promise<void> {
  post({ type: 'status', text: 'fetching and unpacking Fashion-MNIST…' });
  const [all, test] = await Promise.all([
    imageSet('trainImages', 'trainLabels'),
    imageSet('testImages', 'testLabels'),
  ]);
  const split = splitTrainValidation(all);
  const trainSet =
    request.limit < split.train.count ? sliceSet(split.train, 0, request.limit) : split.train;
  const job = planJobs(['part1', 'part2'], { model: request.model, epochs: request.epochs })[0]!;
  const crop: Crop = job.crop;
  const sets: CropSets = {
    train: features(trainSet, crop),
    validation: features(split.validation, crop),
    test: features(test, crop),
  };

  post({ type: 'status', text: 'choosing the fastest gpu.js mode in this browser…' });
  const { backend, selection } = createBackendWithSelection('gpujs', 'the lab page');
  const engine = new LabEngine(backend, selection.reason);
  const trainer = new StudyTrainer(engine);
  post({ type: 'backend', backend: backend.name, detail: selection.reason });
  const [, height, width] = sets.train.shape;
  let lastSnapshot = Number.NEGATIVE_INFINITY;
  const snapshot = (epoch: number, step: number) => {
    // The first weight in Keras order is the first Dense kernel: one copy of it, nothing more.
    const kernel = engine.model?.weights[0]?.value;
    if (!kernel) return;
    const copy = Float32Array.from(kernel);
    const weights = {
      kernel: copy,
      inputs: height * width,
      units: copy.length / (height * width),
      height,
      width,
    };
    post({ type: 'weights', snapshot: weights, epoch, step }, [copy.buffer]);
  };
  try {
    const model = await trainer.train(job, {
      seed: request.seed,
      sets: () => sets,
      onEvent: (event) => {
        post({ type: 'event', event });
        if (event.type === 'model-begin') snapshot(0, 0);
        if (event.type === 'batch' || event.type === 'epoch-end') {
          const now = performance.now();
          if (event.type === 'epoch-end' || now - lastSnapshot >= SNAPSHOT_INTERVAL_MS) {
            lastSnapshot = now;
            snapshot(event.progress.epoch, event.progress.step);
          }
        }
      },
      batchEventIntervalMs: 100,
    });
    last = {
      job,
      seed: request.seed,
      weights: model.weights.map((w) => Float32Array.from(w)),
      sets,
    };
    const metrics = classificationMetrics(sets.test.y, model.predictions, CLASS_NAMES);
    post({
      type: 'done',
      model,
      testLabels: sets.test.y,
      report: classificationReport(metrics),
      accuracy: metrics.accuracy,
    });
  } finally {
    trainer.dispose();
  }
}

const fail = (error: unknown) =>
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });

self.onmessage = (message: MessageEvent<ToWorker>) => {
  if (message.data.type === 'train') train(message.data.request).catch(fail);
  else if (message.data.type === 'check') {
    try {
      post({ type: 'check', result: check() });
    } catch (error) {
      fail(error);
    }
  }
};
