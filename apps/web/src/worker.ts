/**
 * The lab page's training worker (a module Web Worker): fetches the four Fashion-MNIST files
 * from the lab server (127.0.0.1 only), unpacks them in the page (DecompressionStream), makes
 * the crop's float features with @fmnist/data, and trains one of the study's models with
 * @fmnist/study's one trainer on the custom engine: the very code `fmnist part1/part2` runs in
 * its worker threads. Training is long synchronous work; the page stops it by terminating
 * this worker.
 */
/// <reference lib="webworker" />

import type { FloatArray } from '@fmnist/core';
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
import type { Sequential } from '@fmnist/nn';
import { classificationMetrics, classificationReport } from '@fmnist/reports/classification';
import {
  type BuiltModel,
  type Crop,
  type CropSets,
  CustomStudyEngine,
  type ModelJob,
  planJobs,
  StudyTrainer,
} from '@fmnist/study/training';
import type { FromWorker, ToWorker, TrainRequest } from './protocol.js';

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
    const kernel = engine.model?.getWeights()[0];
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

self.onmessage = (message: MessageEvent<ToWorker>) => {
  if (message.data.type !== 'train') return;
  train(message.data.request).catch((error: unknown) => {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  });
};
