/**
 * The backend to train on, chosen by measurement, for the lab page and for `FMNIST_BACKEND=auto`
 * in the CLI: each candidate gpu.js mode that starts here trains a short burst of real steps of
 * the run's first model on its first real batch, the first step (kernel compilation, first
 * upload) counted apart, and the fastest step wins. A GPU is not always faster: a software
 * WebGL (SwiftShader, llvmpipe), which many laptops, virtual machines and remote desktops get,
 * runs the resident mode about ten times slower than WebAssembly; the measurements say so.
 *
 * The candidates are the caller's (a page has WebGL2 and WebGL, Node has headless-gl), so this
 * module loads no gpu.js itself.
 */
import type { Backend, FloatArray } from '@fmnist/core';
import { type ModelSpec, type OptimizerSpec, Sequential } from '@fmnist/nn';

/** One way to get a backend, tried in order. */
export interface BackendCandidate {
  /** `gpujs:gl on webgl2`, `gpujs:webasm`, ... */
  label: string;
  /** The backend's name as FMNIST_BACKEND and createBackend take it (`gpujs:webasm`). */
  name: string;
  /** Builds it; throws (with why) where it cannot run. */
  start(): Backend;
  /** Skipped when the candidate of this label started: a fallback for it (WebGL1 for WebGL2). */
  fallbackFor?: string;
  /** Draws through GL: its renderer is checked for a software one. */
  gl?: boolean;
}

/** One candidate's measurement (or why it did not start). */
export interface BackendMeasurement {
  label: string;
  name: string;
  /** What runs underneath (the WebGL renderer, where the runtime tells). */
  device: string;
  /** A WebGL drawn by the CPU (SwiftShader, llvmpipe, ...): named so the user knows. */
  software: boolean;
  /** The first training step, which compiles the kernels (ms). */
  firstStepMs?: number;
  /** The median of the next steps (ms): what decides. */
  stepMs?: number;
  /** Why it could not run here. */
  error?: string;
  chosen: boolean;
}

/** The model and batch a measurement trains on: the run's first model, its first batch. */
export interface BackendProbe {
  spec: ModelSpec;
  optimizer: OptimizerSpec;
  x: FloatArray;
  y: Int32Array;
}

export interface ChosenBackend {
  backend: Backend;
  label: string;
  name: string;
  /** What runs underneath, and why this one. */
  detail: string;
  measurements: BackendMeasurement[];
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render/i;
/** Timed steps after the first: enough for a median, short enough to cost well under a second. */
const TIMED_STEPS = 5;

/** The probe of a job: its model, on the first `rows` of its crop's training features. */
export function firstBatchProbe(
  job: { spec: ModelSpec; optimizer: OptimizerSpec },
  train: { x: Float32Array; y: ArrayLike<number>; shape: readonly number[] },
  rows = 32,
): BackendProbe {
  const n = Math.min(rows, train.y.length);
  const size = train.shape.slice(1).reduce((a, b) => a * b, 1);
  return {
    spec: job.spec,
    optimizer: job.optimizer,
    x: train.x.slice(0, n * size),
    y: Int32Array.from(Array.prototype.slice.call(train.y, 0, n) as number[]),
  };
}

/** Trains the probe's batch on `backend`: the first step, then the median of the next ones. */
export function measureSteps(
  backend: Backend,
  probe: BackendProbe,
): { firstStepMs: number; stepMs: number } {
  const model = new Sequential(probe.spec, { seed: 1, backend });
  try {
    model.compile({ optimizer: probe.optimizer });
    let t = performance.now();
    // A step returns the loss, read back to the host: a GPU has finished by then.
    model.step(probe.x, probe.y);
    const firstStepMs = performance.now() - t;
    const steps: number[] = [];
    for (let i = 0; i < TIMED_STEPS; i++) {
      t = performance.now();
      model.step(probe.x, probe.y);
      steps.push(performance.now() - t);
    }
    steps.sort((a, b) => a - b);
    return { firstStepMs, stepMs: steps[Math.floor(steps.length / 2)]! };
  } finally {
    model.dispose();
  }
}

/**
 * With a probe: every candidate that starts is measured and the fastest kept (the others are
 * disposed). Without one: the first candidate that starts. Throws, naming each candidate's
 * reason, when none starts.
 */
export function chooseBackend(
  candidates: readonly BackendCandidate[],
  probe: BackendProbe | undefined,
): ChosenBackend {
  const measurements: BackendMeasurement[] = [];
  const started: { backend: Backend; measurement: BackendMeasurement }[] = [];
  for (const candidate of candidates) {
    if (candidate.fallbackFor && started.some((s) => s.measurement.label === candidate.fallbackFor))
      continue;
    const { label, name } = candidate;
    let backend: Backend;
    try {
      backend = candidate.start();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      measurements.push({ label, name, device: '', software: false, error: why, chosen: false });
      continue;
    }
    const device = backend.describe?.() ?? backend.name;
    const software = candidate.gl === true && SOFTWARE_RENDERER.test(device);
    const measurement: BackendMeasurement = { label, name, device, software, chosen: false };
    measurements.push(measurement);
    if (probe) {
      try {
        Object.assign(measurement, measureSteps(backend, probe));
      } catch (error) {
        measurement.error = error instanceof Error ? error.message : String(error);
        backend.dispose();
        continue;
      }
    }
    started.push({ backend, measurement });
    if (!probe) break;
  }
  const best = probe
    ? [...started].sort((a, b) => a.measurement.stepMs! - b.measurement.stepMs!)[0]
    : started[0];
  if (!best) {
    const why = measurements.map((m) => `${m.label}: ${m.error}`).join('; ');
    throw new Error(`no gpu.js mode starts here (${why})`);
  }
  for (const s of started) if (s !== best) s.backend.dispose();
  best.measurement.chosen = true;
  const m = best.measurement;
  const software = m.software ? ' (a software renderer: WebGL drawn by the CPU)' : '';
  const why = probe
    ? `chosen by measurement: ${m.stepMs!.toFixed(1)} ms per training step, the fastest of ${started.length} that ran here`
    : 'chosen by name';
  return {
    backend: best.backend,
    label: m.label,
    name: m.name,
    detail: `${m.device}${software}; ${why}`,
    measurements,
  };
}

/** The measurements as a table for the terminal: one line per candidate. */
export function measurementLines(measurements: readonly BackendMeasurement[]): string[] {
  return measurements.map((m) => {
    const what =
      m.error !== undefined
        ? `did not run: ${m.error}`
        : `first step ${m.firstStepMs!.toFixed(1)} ms (compiles its kernels), then ${m.stepMs!.toFixed(2)} ms per step`;
    return `  ${m.chosen ? '*' : ' '} ${m.label.padEnd(22)} ${what}${m.software ? ' [software renderer]' : ''}`;
  });
}
