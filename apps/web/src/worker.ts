/**
 * The lab page's training worker (a module Web Worker): fetches the four Fashion-MNIST files
 * from the lab server (127.0.0.1 only), unpacks them in the page (DecompressionStream), makes
 * the crop's float features with @fmnist/data, and trains the study's models with
 * @fmnist/study's one trainer on the custom engine, on gpu.js's device-resident WebGL mode
 * (backend-choice.ts): the very code `fmnist part1/part2` runs in its worker processes.
 *
 * Between batches (every 100 ms) training yields to this worker's messages, so the page can
 * pause it (and resume it where it stopped: nothing is lost) while it trains; twice a second it
 * posts the first Dense kernel and every layer's view on the inspection batch. After a run it
 * keeps the last model for explain's finite-difference check and the TensorFlow.js cross-check,
 * which loads TF.js (WebGL, else wasm, else cpu) only when asked.
 */
/// <reference lib="webworker" />

import { type FloatArray, JsBackend, Rng } from '@fmnist/core';
import {
  CLASS_NAMES,
  type DatasetFile,
  features,
  type ImageSet,
  loadFashionMnistFrom,
} from '@fmnist/data';
import {
  BatchNormalization,
  Dropout,
  drawDropoutMasks,
  Sequential,
  trainedModelFiles,
} from '@fmnist/nn';
import { classificationMetrics, classificationReport } from '@fmnist/reports/classification';
import {
  modelResult,
  mostConfidentMistakes,
  part1Result,
  part2Result,
} from '@fmnist/study/results';
import {
  type BuiltModel,
  type Crop,
  type CropSets,
  CustomStudyEngine,
  GRADIENT_CHECK,
  gradientCheck,
  type ModelJob,
  type Part,
  planJobs,
  StudyTrainer,
  stats,
  type TrainedModel,
} from '@fmnist/study/training';
import { chooseLabBackend } from './backend-choice.js';
import { type LayerView, summarize } from './inspect.js';
import type {
  CheckResult,
  CrosscheckResult,
  CrosscheckRow,
  FromWorker,
  ToWorker,
  TrainRequest,
} from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;
const post = (message: FromWorker, transfer: Transferable[] = []) =>
  self.postMessage(message, transfer);

/** One of the four files from the lab server, as it serves them (gzipped or not). */
async function fetchFile(file: DatasetFile): Promise<Uint8Array> {
  const response = await fetch(`/data/${file.key}`);
  if (!response.ok) throw new Error(`the lab server answered ${response.status} for ${file.name}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The custom engine, keeping hold of the model it built so the page can look inside it. */
class LabEngine extends CustomStudyEngine {
  model: Sequential | null = null;
  override async build(job: ModelJob, seed: number, initial?: readonly FloatArray[]) {
    const built: BuiltModel = await super.build(job, seed, initial);
    this.model = this.network(job.name) ?? null;
    return built;
  }
}

const SNAPSHOT_INTERVAL_MS = 500;
/** Rows of the inspection batch: the first training images of the crop. */
const INSPECT_BATCH = 32;

/** The last trained model, kept for the finite-difference check and the cross-check. */
let last: { job: ModelJob; seed: number; weights: Float32Array[]; sets: CropSets } | null = null;

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

/** The check batch: the first 32 training images, with dropout masks drawn once from the seed. */
function checkBatch() {
  if (!last) throw new Error('Train a model first: the check runs on its weights');
  const { job, seed, weights, sets } = last;
  const batch = Math.min(32, sets.train.y.length);
  const size = sets.train.shape[1] * sets.train.shape[2];
  const x = sets.train.x.slice(0, batch * size);
  const labels = Int32Array.from(sets.train.y.subarray(0, batch));
  const rng = new Rng(seed).fork(0xe4);
  return { job, seed, weights, batch, x, labels, rng };
}

/**
 * explain's check of the backward pass on the trained weights: a float64 copy of the model on
 * the js backend, its analytic gradient against a central difference of the loss, on a few
 * entries of every weight, over the first 32 training images (dropout masks drawn once and
 * pinned, so the loss is one function of the weights).
 */
function check(): CheckResult {
  const { job, seed, weights, batch, x, labels, rng } = checkBatch();
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

/**
 * `fmnist crosscheck`'s batch comparison, in the page: the trained weights in the custom engine
 * (the js reference backend, float32) and in TensorFlow.js (WebGL when this browser gives it,
 * else wasm, else cpu), the check batch through both, every layer's outputs in inference and
 * training mode, the loss, every gradient and dL/dx and the moving statistics against the
 * cross-check's tolerances. TF.js is loaded here, on first use, not with the page.
 */
async function crosscheck(): Promise<CrosscheckResult> {
  const { job, seed, weights, x, labels, rng } = checkBatch();
  await import('@tensorflow/tfjs-backend-webgl');
  const { configureTfBackend, TfReference } = await import('@fmnist/tf');
  // tfjs-backend-wasm's files are served beside the page (build.mjs copies them).
  configureTfBackend({ wasmPaths: new URL('./', self.location.href).href });
  const { compareBatch } = await import('@fmnist/study/crosscheck');
  const custom = new Sequential(job.spec, { seed, backend: new JsBackend() });
  custom.compile({ optimizer: job.optimizer });
  custom.setWeights(weights);
  const reference = await TfReference.create(job.spec, { optimizer: job.optimizer });
  try {
    reference.setWeights(weights);
    const c = compareBatch(custom, reference, x, labels, rng.fork(3));
    const rows: CrosscheckRow[] = [];
    const row = (layer: string, what: string, d: { maxAbs: number; maxRel: number; ok: boolean }) =>
      rows.push({ layer, what, maxAbs: d.maxAbs, maxRel: d.maxRel, ok: d.ok });
    for (const l of c.layers) {
      row(l.layer, 'output, inference', l.inference);
      row(l.layer, 'output, training', l.training);
      for (const g of l.gradients) row(l.layer, `dL/d ${g.weight.split('/').at(-1)}`, g);
      row(l.layer, 'dL/dx', l.inputGradient);
    }
    for (const m of c.movingStats) row(m.weight.split('/')[0]!, m.weight.split('/').at(-1)!, m);
    return {
      model: job.name,
      tfBackend: reference.backend,
      skipped: reference.backendInfo.skipped,
      batch: c.batchSize,
      loss: c.loss,
      rows,
      ok: c.ok,
    };
  } finally {
    reference.dispose();
    custom.dispose();
  }
}

// --- training ----------------------------------------------------------------------------------

/** Every layer of the model, on the inspection batch, through a js copy of its current weights. */
function inspector(spec: ModelJob['spec'], seed: number, sets: CropSets) {
  const probe = new Sequential(spec, { seed, backend: new JsBackend() });
  probe.compile({ optimizer: { type: 'sgd', learningRate: 1 } });
  const rows = Math.min(INSPECT_BATCH, sets.train.y.length);
  const size = sets.train.shape[1] * sets.train.shape[2];
  const x = sets.train.x.slice(0, rows * size);
  const y = Int32Array.from(sets.train.y.subarray(0, rows));
  return (model: Sequential): LayerView[] => {
    // On gpujs:gl this reads the weights back from the GPU: twice a second at most.
    probe.setWeights(model.getWeights());
    // Training mode, as the optimizer sees it: batch statistics, dropout's own draw.
    const taps = probe.step(x, y, { apply: false, taps: true }).taps!;
    return probe.layers.map((layer, i) => ({
      name: layer.name,
      className: layer.className,
      output: summarize(taps.outputs[i]!),
      gradOutput: summarize(taps.gradOutputs[i]!),
      gradInput: summarize(taps.gradInputs[i]!),
      parameters:
        layer instanceof BatchNormalization
          ? [layer.gamma, layer.beta, layer.movingMean, layer.movingVariance].map((w) => ({
              name: w.name.split('/').at(-1)!,
              stats: stats(model.weights.find((m) => m.name === w.name)!.value),
            }))
          : [],
    }));
  };
}

function jobsFor(request: TrainRequest): ModelJob[] {
  const parts: Part[] = request.run === 'part2' ? ['part2'] : ['part1', 'part2'];
  if (request.run === 'part1') return planJobs(['part1'], { epochs: request.epochs });
  if (request.run === 'part2') return planJobs(parts, { epochs: request.epochs });
  return planJobs(parts, { model: request.run, epochs: request.epochs });
}

async function train(request: TrainRequest): Promise<void> {
  post({ type: 'status', text: 'fetching and unpacking Fashion-MNIST…' });
  // The same checks, split and limit as the Node loader (packages/data/src/load.ts).
  const data = await loadFashionMnistFrom(fetchFile, { limit: request.limit });
  const { test } = data;
  const jobs = jobsFor(request);
  const setsByCrop = new Map<Crop, CropSets>();
  const setsFor = (crop: Crop): CropSets => {
    let sets = setsByCrop.get(crop);
    if (!sets) {
      sets = {
        train: features(data.train, crop),
        validation: features(data.validation, crop),
        test: features(test, crop),
      };
      setsByCrop.set(crop, sets);
    }
    return sets;
  };

  post({
    type: 'status',
    text:
      request.backend === 'auto'
        ? 'measuring each gpu.js mode on a few training steps…'
        : `starting ${request.backend}…`,
  });
  // The probe: the run's first model on its first batch of 32 training images.
  const first = jobs[0]!;
  const probeSets = setsFor(first.crop);
  const probeRows = Math.min(32, probeSets.train.y.length);
  const probeSize = probeSets.train.shape[1] * probeSets.train.shape[2];
  const { backend, label, detail, measurements } = chooseLabBackend(request.backend, {
    spec: first.spec,
    optimizer: first.optimizer,
    x: probeSets.train.x.slice(0, probeRows * probeSize),
    y: Int32Array.from(probeSets.train.y.subarray(0, probeRows)),
  });
  const engine = new LabEngine(backend, detail);
  const trainer = new StudyTrainer(engine);
  post({ type: 'backend', backend: backend.name, label, detail, measurements });
  const started = performance.now();
  const trained: TrainedModel[] = [];
  try {
    for (const [index, job] of jobs.entries()) {
      const sets = setsFor(job.crop);
      const [, height, width] = sets.train.shape;
      const inspect = inspector(job.spec, request.seed, sets);
      let lastSnapshot = Number.NEGATIVE_INFINITY;
      const snapshot = (epoch: number, step: number) => {
        const model = engine.model;
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
      });
      trained.push(model);
      last = {
        job,
        seed: request.seed,
        weights: model.weights.map((w) => Float32Array.from(w)),
        sets,
      };
      const metrics = classificationMetrics(sets.test.y, model.predictions, CLASS_NAMES);
      const size = test.rows * test.cols;
      post({
        type: 'model-done',
        model,
        report: classificationReport(metrics),
        accuracy: metrics.accuracy,
        confusionMatrix: metrics.confusionMatrix,
        // Whole images, whatever crop the model saw.
        mistakes: mostConfidentMistakes(model.predictions, model.confidence, test.labels).map(
          (m) => ({ ...m, pixels: test.pixels.slice(m.index * size, (m.index + 1) * size) }),
        ),
        index: index + 1,
        of: jobs.length,
        // The model as `--save-models` keeps it, for the page's download links.
        files: trainedModelFiles(job.spec, model.weights, {
          generatedBy: 'fmnist-lab (lab page)',
          metadata: {
            fmnist: {
              model: model.name,
              crop: job.crop,
              seed: request.seed,
              engine: model.engine,
              backend: model.backend,
              epochsRun: model.epochsRun,
              testAccuracy: metrics.accuracy,
            },
          },
        }),
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

function part1View(results: ReturnType<typeof modelResult>[], test: ImageSet) {
  const p1 = part1Result(results, test.labels);
  const size = test.rows * test.cols;
  const images = (set: { first: { index: number; trueName: string; predictedName: string }[] }) =>
    set.first.map((c) => ({
      pixels: test.pixels.slice(c.index * size, (c.index + 1) * size),
      caption: `#${c.index}: a ${c.trueName}, taken for a ${c.predictedName}`,
    }));
  const d = p1.disagreements;
  return {
    perClass: (p1.perClass ?? []).map((r) => ({
      class: r.class,
      top: r.top.f1,
      bottom: r.bottom.f1,
    })),
    observations: p1.observations.map((o) => o.text),
    disagreements: d
      ? [
          {
            title: 'top right, bottom wrong',
            count: d.topRightBottomWrong.count,
            images: images(d.topRightBottomWrong),
          },
          {
            title: 'bottom right, top wrong',
            count: d.bottomRightTopWrong.count,
            images: images(d.bottomRightTopWrong),
          },
        ]
      : [],
  };
}

function part2View(results: ReturnType<typeof modelResult>[]) {
  const p2 = part2Result(results);
  return {
    rows: p2.comparison.map((r) => ({
      name: r.name,
      testAccuracy: r.testAccuracy,
      macroF1: r.macroF1,
      bestEpoch: r.bestEpoch,
      epochsRun: r.epochsRun,
      lossGap: r.gap.loss,
      accuracyGap: r.gap.accuracy,
      params: r.params,
      seconds: r.seconds,
    })),
    observations: p2.observations.map((o) => o.text),
  };
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
        post({ type: 'check', result: check() });
      } catch (error) {
        fail(error);
      }
      break;
    case 'crosscheck':
      crosscheck().then((result) => post({ type: 'crosscheck', result }), fail);
      break;
  }
};
