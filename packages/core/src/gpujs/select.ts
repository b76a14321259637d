import type { Backend, FusedActivation } from '../backend.js';
import { BACKEND_NAMES } from '../backend-names.js';
import { JsBackend } from '../js-backend.js';
import { GPUJS_MODES, GpuJsBackend, type GpuJsMode, gpuJsModeAvailability } from './backend.js';
import { GpuJsGlBackend, glModeAvailability } from './resident.js';

export { BACKEND_NAMES, type BackendName } from '../backend-names.js';

/**
 * The order `gpujs` tries its modes in: fastest first, as bench/kernels measured on the
 * project's 2-core machine (webasm SIMD > gpu.js cpu > headlessgl on Mesa's software rasteriser).
 */
export const GPUJS_PREFERENCE: readonly GpuJsMode[] = ['webasm', 'cpu', 'headlessgl'];

/** Thrown for a backend name nobody knows; the message lists the valid ones. */
export class UnknownBackendError extends Error {
  override readonly name = 'UnknownBackendError';
  constructor(readonly requested: string) {
    super(
      `Unknown backend '${requested}'. Valid names: ${BACKEND_NAMES.join(', ')} ` +
        '(pass one to createBackend, or set FMNIST_BACKEND for the fmnist command).',
    );
  }
}

/** Which backend was built, from which request, and why (what `auto` measured). */
export interface BackendSelection {
  requested: string;
  /** Where the request came from (the caller says; e.g. the CLI names its environment variable). */
  source: string;
  /** The backend that runs, as `Backend.name`. */
  chosen: string;
  reason: string;
  /** `auto` only: microseconds per probe (one batch-32 training step's matmuls), per candidate. */
  probeMicros?: Record<string, number>;
}

/**
 * Builds a backend by name (default `js`); a pure choice: reading the name from the environment
 * is the caller's business (the CLI reads FMNIST_BACKEND). See `createBackendWithSelection`
 * for why a backend was chosen.
 */
export function createBackend(name?: string): Backend {
  return createBackendWithSelection(name).backend;
}

export function createBackendWithSelection(
  name?: string,
  source: string = name === undefined ? 'default' : 'argument',
): {
  backend: Backend;
  selection: BackendSelection;
} {
  const requested = (name ?? 'js').trim() || 'js';
  const done = (backend: Backend, reason: string, probeMicros?: Record<string, number>) => {
    const selection: BackendSelection = { requested, source, chosen: backend.name, reason };
    if (probeMicros) selection.probeMicros = probeMicros;
    return { backend, selection };
  };
  if (requested === 'js') return done(new JsBackend(), 'requested');
  if (requested === 'gpujs') {
    const mode = GPUJS_PREFERENCE.find((m) => gpuJsModeAvailability(m).available);
    // cpu is always available, so find() cannot fail; the fallback keeps the types honest.
    const chosen = mode ?? 'cpu';
    return done(
      new GpuJsBackend({ mode: chosen }),
      `gpujs means its fastest mode available here (preference ${GPUJS_PREFERENCE.join(' > ')})`,
    );
  }
  if (requested === 'gpujs:gl') return done(new GpuJsGlBackend(), 'requested');
  if (requested.startsWith('gpujs:')) {
    const mode = requested.slice('gpujs:'.length);
    if (!(GPUJS_MODES as readonly string[]).includes(mode))
      throw new UnknownBackendError(requested);
    return done(new GpuJsBackend({ mode: mode as GpuJsMode }), 'requested');
  }
  if (requested === 'auto') {
    const { backend, reason, probeMicros } = pickFastest();
    return done(backend, reason, probeMicros);
  }
  throw new UnknownBackendError(requested);
}

/** The matmuls of one training step of the study's 392-128-64-10 network at batch 32. */
export const STUDY_STEP_MATMULS: readonly {
  label: string;
  m: number;
  k: number;
  n: number;
  transposeA?: boolean;
  transposeB?: boolean;
  bias?: boolean;
  activation?: FusedActivation;
}[] = [
  { label: 'forward 1: X·W1+b, relu', m: 32, k: 392, n: 128, bias: true, activation: 'relu' },
  { label: 'forward 2: H1·W2+b, relu', m: 32, k: 128, n: 64, bias: true, activation: 'relu' },
  { label: 'forward 3: H2·W3+b', m: 32, k: 64, n: 10, bias: true },
  { label: 'backward 3: dW3 = H2ᵀ·dZ3', m: 64, k: 32, n: 10, transposeA: true },
  { label: 'backward 3: dH2 = dZ3·W3ᵀ', m: 32, k: 10, n: 64, transposeB: true },
  { label: 'backward 2: dW2 = H1ᵀ·dZ2', m: 128, k: 32, n: 64, transposeA: true },
  { label: 'backward 2: dH1 = dZ2·W2ᵀ', m: 32, k: 64, n: 128, transposeB: true },
  { label: 'backward 1: dW1 = Xᵀ·dZ1', m: 392, k: 32, n: 128, transposeA: true },
];

/** Runs one training step's matmuls on `backend` with the given buffers. */
function runStudyStep(backend: Backend, buffers: StepBuffers): void {
  STUDY_STEP_MATMULS.forEach((s, i) => {
    const { a, b, out, bias } = buffers[i]!;
    backend.matmul(a, b, out, s.m, s.k, s.n, {
      transposeA: s.transposeA ?? false,
      transposeB: s.transposeB ?? false,
      bias: s.bias ? bias : undefined,
      ...(s.activation ? { activation: s.activation } : {}),
    });
  });
}

type StepBuffers = { a: Float32Array; b: Float32Array; out: Float32Array; bias: Float32Array }[];

function stepBuffers(): StepBuffers {
  // Deterministic, non-trivial values; their contents do not affect timing.
  const fill = (length: number) =>
    Float32Array.from({ length }, (_, i) => ((i * 7919) % 13) / 13 - 0.5);
  return STUDY_STEP_MATMULS.map((s) => ({
    a: fill(s.m * s.k),
    b: fill(s.k * s.n),
    out: new Float32Array(s.m * s.n),
    bias: fill(s.n),
  }));
}

/**
 * `auto`: times one batch-32 training step's matmuls on js, on each gpu.js host mode that is
 * available here and on gpujs:gl where a GL context with float textures is (after one warm-up
 * step that compiles the kernels and, for gpujs:gl, puts the operands on the device, as a
 * training step finds them) and keeps the fastest. Each timed step ends with a read of its last
 * product, which waits for a GPU to finish. headlessgl is left out: bench/kernels measures it
 * slowest on Mesa's software rasteriser (it uploads and reads back every product) and its
 * kernels take ~150 ms each to compile, which a probe should not cost.
 */
function pickFastest(): {
  backend: Backend;
  reason: string;
  probeMicros: Record<string, number>;
} {
  const candidates: Backend[] = [new JsBackend()];
  for (const mode of ['webasm', 'cpu'] as const) {
    if (gpuJsModeAvailability(mode).available) candidates.push(new GpuJsBackend({ mode }));
  }
  if (glModeAvailability().available) candidates.push(new GpuJsGlBackend());
  const buffers = stepBuffers();
  const probeMicros: Record<string, number> = {};
  let best: Backend = candidates[0]!;
  let bestMicros = Number.POSITIVE_INFINITY;
  for (const backend of candidates) {
    runStudyStep(backend, buffers); // compiles gpu.js kernels, warms the JIT
    const samples: number[] = [];
    for (let rep = 0; rep < 5; rep++) {
      const t0 = performance.now();
      runStudyStep(backend, buffers);
      backend.read(buffers[buffers.length - 1]!.out);
      samples.push((performance.now() - t0) * 1000);
    }
    samples.sort((x, y) => x - y);
    const median = samples[2]!;
    probeMicros[backend.name] = Math.round(median);
    if (median < bestMicros) {
      best = backend;
      bestMicros = median;
    }
  }
  for (const backend of candidates) if (backend !== best) backend.dispose();
  const others = Object.entries(probeMicros)
    .filter(([n]) => n !== best.name)
    .map(([n, us]) => `${n} ${us} µs`)
    .join(', ');
  return {
    backend: best,
    reason:
      `fastest on a timed probe of one batch-32 training step's matmuls (median of 5): ` +
      `${best.name} ${Math.round(bestMicros)} µs${others ? `; ${others}` : ''}`,
    probeMicros,
  };
}
