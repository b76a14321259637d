/**
 * The backend the lab page trains on, chosen by measurement: each gpu.js mode that starts here
 * (the device-resident gpujs:gl on WebGL2, else WebGL1; the WebAssembly SIMD host mode; the
 * JavaScript one where WebAssembly is missing) trains a short burst of real steps of the chosen
 * model on the real batch, the first step (kernel compilation, first upload) counted apart, and
 * the fastest step wins. A GPU is not always faster: a software WebGL (SwiftShader, llvmpipe),
 * which many laptops, virtual machines and remote desktops get, runs the resident mode about ten
 * times slower than WebAssembly. The page shows the table and lets the user pick another.
 */
import type { Backend, FloatArray } from '@fmnist/core';
import { GpuJsBackend, GpuJsGlBackend, gpuJsModeAvailability } from '@fmnist/core/gpujs';
import { type ModelSpec, type OptimizerSpec, Sequential } from '@fmnist/nn';
import type { BackendMeasurement, LabBackendChoice } from './protocol.js';

export interface LabBackend {
  backend: Backend;
  label: string;
  /** What runs underneath, and why this one. */
  detail: string;
  measurements: BackendMeasurement[];
}

/** The model and batch a measurement trains on: the run's first model, its first batch. */
export interface BackendProbe {
  spec: ModelSpec;
  optimizer: OptimizerSpec;
  x: FloatArray;
  y: Int32Array;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render/i;
/** Timed steps after the first: enough for a median, short enough to cost well under a second. */
const TIMED_STEPS = 5;

interface Candidate {
  label: string;
  start(): Backend;
}

function glCandidates(): Candidate[] {
  return (['webgl2', 'webgl'] as const).map((mode) => ({
    label: `gpujs:gl on ${mode}`,
    start: () => new GpuJsGlBackend({ mode }),
  }));
}

function hostCandidate(mode: 'webasm' | 'cpu'): Candidate {
  return {
    label: `gpujs:${mode}`,
    start: () => {
      const { available, reason } = gpuJsModeAvailability(mode);
      if (!available) throw new Error(reason);
      return new GpuJsBackend({ mode });
    },
  };
}

/** Trains the probe's batch on `backend`: the first step, then the median of the next ones. */
function measure(backend: Backend, probe: BackendProbe): { firstStepMs: number; stepMs: number } {
  const model = new Sequential(probe.spec, { seed: 1, backend });
  try {
    model.compile({ optimizer: probe.optimizer });
    let t = performance.now();
    // trainOnBatch returns the loss, read back to the host: a GPU has finished by then.
    model.trainOnBatch(probe.x, probe.y);
    const firstStepMs = performance.now() - t;
    const steps: number[] = [];
    for (let i = 0; i < TIMED_STEPS; i++) {
      t = performance.now();
      model.trainOnBatch(probe.x, probe.y);
      steps.push(performance.now() - t);
    }
    steps.sort((a, b) => a - b);
    return { firstStepMs, stepMs: steps[Math.floor(steps.length / 2)]! };
  } finally {
    model.dispose();
  }
}

/**
 * Starts the backend the user chose, or, for `auto`, measures every mode that starts and keeps
 * the fastest (the others are disposed).
 */
export function chooseLabBackend(choice: LabBackendChoice, probe: BackendProbe): LabBackend {
  const candidates =
    choice === 'gpujs:gl'
      ? glCandidates()
      : choice === 'gpujs:webasm'
        ? [hostCandidate('webasm')]
        : choice === 'gpujs:cpu'
          ? [hostCandidate('cpu')]
          : [...glCandidates(), hostCandidate('webasm'), hostCandidate('cpu')];
  const measurements: BackendMeasurement[] = [];
  const started: { backend: Backend; measurement: BackendMeasurement }[] = [];
  let glStarted = false;
  for (const candidate of candidates) {
    const isGl = candidate.label.startsWith('gpujs:gl');
    // One GL context is enough (WebGL1 only where WebGL2 failed); the JavaScript mode only
    // where WebAssembly did not start.
    if (isGl && glStarted) continue;
    if (
      choice === 'auto' &&
      candidate.label === 'gpujs:cpu' &&
      started.some((s) => s.measurement.label === 'gpujs:webasm')
    ) {
      continue;
    }
    let backend: Backend;
    try {
      backend = candidate.start();
    } catch (error) {
      measurements.push({
        label: candidate.label,
        device: '',
        software: false,
        error: error instanceof Error ? error.message : String(error),
        chosen: false,
      });
      continue;
    }
    if (isGl) glStarted = true;
    const device = backend.describe?.() ?? backend.name;
    const measurement: BackendMeasurement = {
      label: candidate.label,
      device,
      software: isGl && SOFTWARE_RENDERER.test(device),
      chosen: false,
    };
    if (choice === 'auto') {
      try {
        Object.assign(measurement, measure(backend, probe));
      } catch (error) {
        measurement.error = error instanceof Error ? error.message : String(error);
        backend.dispose();
        measurements.push(measurement);
        continue;
      }
    }
    measurements.push(measurement);
    started.push({ backend, measurement });
    if (choice !== 'auto') break;
  }
  const timed = started.filter((s) => s.measurement.stepMs !== undefined);
  const best =
    choice === 'auto'
      ? timed.sort((a, b) => a.measurement.stepMs! - b.measurement.stepMs!)[0]
      : started[0];
  if (!best) {
    const why = measurements.map((m) => `${m.label}: ${m.error}`).join('; ');
    throw new Error(`no gpu.js mode starts in this browser (${why})`);
  }
  for (const s of started) if (s !== best) s.backend.dispose();
  best.measurement.chosen = true;
  const m = best.measurement;
  const software = m.software ? ' (a software renderer: WebGL drawn by the CPU)' : '';
  const why =
    choice === 'auto'
      ? `chosen by measurement: ${m.stepMs!.toFixed(1)} ms per training step, the fastest of ${timed.length} that ran here`
      : 'chosen in the form';
  return {
    backend: best.backend,
    label: m.label,
    detail: `${m.device}${software}; ${why}`,
    measurements,
  };
}
