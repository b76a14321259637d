/**
 * The lab page's training worker (a module Web Worker): fetches the four Fashion-MNIST files
 * from the lab server (127.0.0.1 only), unpacks them in the page (DecompressionStream), makes
 * the crop's float features with @fmnist/data, and trains the run's models with @fmnist/study's
 * one trainer on the custom engine, on the gpu.js mode measured fastest here (backend-choice.ts):
 * the very code `fmnist part1/part2/run` runs in its worker processes.
 *
 * Between batches (every 100 ms) training yields to this worker's messages, so the page can
 * pause it (and resume it where it stopped: nothing is lost) while it trains; twice a second it
 * posts the first Dense kernel and every layer's view on the inspection batch. After a run it
 * keeps the last model for explain's finite-difference check, the TensorFlow.js cross-check
 * and the Step view, which load TF.js (WebGL, else wasm, else cpu) only when asked.
 */
/// <reference lib="webworker" />

import {
  type DatasetFile,
  type FashionMnistSplits,
  featureCache,
  loadFashionMnistFrom,
} from '@fmnist/data';
import { firstBatchProbe } from '@fmnist/study/backend-choice';
import {
  type LabModel,
  labGradientCheck,
  layerInspector,
  part1View,
  part2View,
  trainedModelView,
} from '@fmnist/study/lab';
import type { Stepper } from '@fmnist/study/lab/step';
import { modelResult } from '@fmnist/study/results';
import { CustomStudyEngine, StudyTrainer, type TrainedModel } from '@fmnist/study/training';
import { chooseLabBackend } from './backend-choice.js';
import type { FromWorker, ToWorker, TrainRequest } from './protocol.js';
import { labJobs } from './state.js';

declare const self: DedicatedWorkerGlobalScope;
const post = (message: FromWorker, transfer: Transferable[] = []) =>
  self.postMessage(message, transfer);

/** One of the four files from the lab server, as it serves them (gzipped or not). */
async function fetchFile(file: DatasetFile): Promise<Uint8Array> {
  const response = await fetch(`/data/${file.key}`);
  if (!response.ok) throw new Error(`the lab server answered ${response.status} for ${file.name}`);
  return new Uint8Array(await response.arrayBuffer());
}

const SNAPSHOT_INTERVAL_MS = 500;

/** The last trained model, kept for the finite-difference check and the cross-check. */
let last: LabModel | null = null;

// --- pause and resume ------------------------------------------------------------------------

let pauseRequested = false;
let resume: (() => void) | null = null;
const yieldChannel = new MessageChannel();

/** Lets this worker's queued messages (pause, resume) run, then waits while paused. */
async function between(): Promise<void> {
  await new Promise<void>((done) => {
    yieldChannel.port1.onmessage = () => done();
    yieldChannel.port2.postMessage(0);
  });
  if (!pauseRequested) return;
  post({ type: 'paused' });
  await new Promise<void>((done) => {
    resume = done;
  });
  post({ type: 'resumed' });
}

// --- the finite-difference check and the cross-check -------------------------------------------

function lastModel(): LabModel {
  if (!last) throw new Error('Train a model first: the check runs on its weights');
  return last;
}

/** TF.js (WebGL, else wasm, else cpu), loaded here on first use, not with the page. */
async function loadTf(): Promise<void> {
  await import('@tensorflow/tfjs-backend-webgl');
  const { configureTfBackend } = await import('@fmnist/tf');
  // tfjs-backend-wasm's files are served beside the page (build.mjs copies them).
  configureTfBackend({ wasmPaths: new URL('./', self.location.href).href });
}

async function crosscheck() {
  const model = lastModel();
  await loadTf();
  const { labCrosscheck } = await import('@fmnist/study/lab/crosscheck');
  return labCrosscheck(model);
}

// --- training ----------------------------------------------------------------------------------

let loaded: { limit: number; data: Promise<FashionMnistSplits> } | null = null;
/** The data, fetched once per limit, with the same checks, split and limit as Node's loader. */
function dataFor(limit: number): Promise<FashionMnistSplits> {
  if (!loaded || loaded.limit !== limit) {
    post({ type: 'status', text: 'fetching and unpacking Fashion-MNIST…' });
    loaded = { limit, data: loadFashionMnistFrom(fetchFile, { limit }) };
  }
  return loaded.data;
}

// --- one step at a time ----------------------------------------------------------------------

let stepper: Stepper | null = null;

/** The next step: from the last press's weights, else the trained model's, else the seed's. */
async function step(request: TrainRequest, reference: boolean): Promise<void> {
  const data = await dataFor(request.limit);
  // A model other than the one stepped so far starts a stepper of its own.
  const job = last?.job ?? labJobs(request)[0]!;
  if (stepper?.job.name !== job.name)
    stepper = last
      ? { job, seed: last.seed, weights: last.weights, steps: 0, from: 'trained' }
      : { job, seed: request.seed, steps: 0, from: 'initial' };
  if (reference) await loadTf();
  const { labStep } = await import('@fmnist/study/lab/step');
  const view = await labStep(stepper, data, reference);
  post({ type: 'step', view, weights: stepper.weights!.map((w) => w.slice()) });
}

async function train(request: TrainRequest): Promise<void> {
  const data = await dataFor(request.limit);
  const { test } = data;
  const jobs = labJobs(request);
  const setsFor = featureCache({ train: data.train, validation: data.validation, test });

  post({
    type: 'status',
    text:
      request.backend === 'auto'
        ? 'measuring each gpu.js mode on a few training steps…'
        : `starting ${request.backend}…`,
  });
  // The probe: the run's first model on its first batch of 32 training images.
  const first = jobs[0]!;
  const { backend, label, detail, measurements } = chooseLabBackend(
    request.backend,
    firstBatchProbe(first, setsFor(first.crop).train),
  );
  const engine = new CustomStudyEngine(backend, detail);
  const trainer = new StudyTrainer(engine);
  post({ type: 'backend', backend: backend.name, label, detail, measurements });
  const started = performance.now();
  const trained: TrainedModel[] = [];
  try {
    for (const [index, job] of jobs.entries()) {
      const sets = setsFor(job.crop);
      const [, height, width] = sets.train.shape;
      const inspect = layerInspector(job.spec, request.seed, sets);
      let lastSnapshot = Number.NEGATIVE_INFINITY;
      const snapshot = (epoch: number, step: number) => {
        // The network the engine trains: the page looks inside it.
        const model = engine.network(job.name);
        const kernel = model?.weights[0]?.value;
        if (!model || !kernel) return;
        // On gpujs:gl the kernel lives on the GPU: one read-back of it.
        const copy = Float32Array.from(model.backend.read(kernel));
        const weights = {
          kernel: copy,
          inputs: height * width,
          units: copy.length / (height * width),
          height,
          width,
        };
        post({ type: 'weights', snapshot: weights, epoch, step }, [copy.buffer]);
        post({ type: 'layers', layers: inspect(model), epoch, step });
      };
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
        between,
        ...(index === 0 && request.startFrom ? { startFrom: request.startFrom } : {}),
      });
      trained.push(model);
      last = {
        job,
        seed: request.seed,
        weights: model.weights.map((w) => Float32Array.from(w)),
        sets,
      };
      post({
        type: 'model-done',
        model,
        ...trainedModelView(job, model, sets, test, request.seed),
        index: index + 1,
        of: jobs.length,
      });
    }
    const labels = test.labels;
    const results = trained.map((m) => modelResult(m, labels));
    if (request.run === 'part1') post({ type: 'part1', view: part1View(results, test) });
    if (request.run === 'part2') post({ type: 'part2', view: part2View(results) });
    post({ type: 'done', seconds: (performance.now() - started) / 1000 });
  } finally {
    trainer.dispose();
  }
}

const fail = (error: unknown) =>
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });

self.onmessage = (message: MessageEvent<ToWorker>) => {
  const data = message.data;
  switch (data.type) {
    case 'train':
      train(data.request).catch(fail);
      break;
    case 'pause':
      pauseRequested = true;
      break;
    case 'resume':
      pauseRequested = false;
      resume?.();
      resume = null;
      break;
    case 'check':
      try {
        post({ type: 'check', result: labGradientCheck(lastModel()) });
      } catch (error) {
        fail(error);
      }
      break;
    case 'crosscheck':
      crosscheck().then((result) => post({ type: 'crosscheck', result }), fail);
      break;
    case 'step':
      step(data.request, data.reference).catch(fail);
      break;
  }
};
