/**
 * The training worker: @fmnist/study's trainer for one unit of work (a seed's model and any
 * model that resets from it). Training is long synchronous work (a whole epoch runs without
 * yielding), so it runs here, off the main thread: the main thread stays free to draw progress
 * and to answer Ctrl-C at once, by terminating this worker mid-batch. It runs as a worker
 * thread or, for gpu.js's GL modes, as a child process (runtime/host.ts): the same protocol.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { cropKey, featureCache } from '@fmnist/data';
import { loadFashionMnist } from '@fmnist/data/node';
import {
  type Crop,
  type CropSets,
  CustomStudyEngine,
  pairTwins,
  type StudyEngine,
  StudyTrainer,
  TfStudyEngine,
} from '@fmnist/study/training';
import { customBackend } from './backend-env.js';
import type { WorkerInput, WorkerMessage } from './messages.js';

const port = parentPort;
const send = process.send?.bind(process);
if (!port && !send) {
  throw new Error('runtime/worker.js must run as a worker thread or a forked child process');
}
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => {
  if (port) port.postMessage(message, transfer);
  else send?.(message);
};

/** The last message: a child process then leaves, once it is sent (gpu.js may hold handles). */
function postLast(message: WorkerMessage, exitCode: number): void {
  if (port || !send) {
    post(message);
    return;
  }
  send(message, undefined, undefined, () => process.exit(exitCode));
}

// A child process whose parent went away (killed, even with SIGKILL) stops too, mid-batch.
if (!port) process.on('disconnect', () => process.exit(1));

/** The unit to train: workerData in a thread, the first IPC message in a child process. */
function unitInput(): Promise<WorkerInput> {
  if (port) return Promise.resolve(workerData as WorkerInput);
  return new Promise((resolve) => {
    process.once('message', (message: { type: 'start'; input: WorkerInput }) =>
      resolve(message.input),
    );
  });
}

async function studyEngine(input: WorkerInput): Promise<StudyEngine> {
  if (input.engine === 'tf') {
    // Loaded only here: a custom-engine worker never loads TensorFlow.js.
    const { useNodeTfSettings } = await import('@fmnist/tf/node');
    useNodeTfSettings();
    return new TfStudyEngine();
  }
  const { backend, reason } = await customBackend(process.env, input.backend);
  return new CustomStudyEngine(backend, reason);
}

async function main(input: WorkerInput): Promise<void> {
  const trainer = new StudyTrainer(await studyEngine(input));
  const { backend, detail } = await trainer.engine.describe();
  post({ type: 'backend', backend, detail });

  const sets = await cropFeatures(input);
  try {
    const options = { seed: input.seed, sets, onEvent: post };
    for (const unit of pairTwins(input.jobs)) {
      const models = Array.isArray(unit)
        ? await trainer.trainWithTwin(unit[0], unit[1], options)
        : [await trainer.train(unit, options)];
      for (const model of models) {
        const buffers = [model.predictions, model.confidence, ...model.weights].map(
          (a) => a.buffer as ArrayBuffer,
        );
        post({ type: 'model-end', model }, [...new Set(buffers)]);
      }
    }
  } finally {
    trainer.dispose();
  }
  postLast({ type: 'done' }, 0);
}

/**
 * The float features of every crop the unit's jobs use, made once, up front (keyed by cropKey,
 * so two equal windows share theirs): the uint8 images (about 55 MB) become unreachable when
 * this returns, so a worker holds only what it trains on.
 */
async function cropFeatures(input: WorkerInput): Promise<(crop: Crop) => CropSets> {
  const data =
    input.data ??
    (await loadFashionMnist({ dataDir: input.dataDir, limit: input.limit, download: false }));
  const make = featureCache({ train: data.train, validation: data.validation, test: data.test });
  const made = new Map(input.jobs.map((job) => [cropKey(job.crop), make(job.crop)]));
  return (crop) => made.get(cropKey(crop))!;
}

unitInput()
  .then(main)
  .catch((error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    postLast({ type: 'error', errorName: e.name, message: e.message, stack: e.stack }, 1);
  });
