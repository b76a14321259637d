/**
 * The custom engine's backend, as the environment asks for it: FMNIST_BACKEND (any name of
 * @fmnist/core/gpujs's BACKEND_NAMES), else gpu.js in its fastest mode here. gpu.js is loaded
 * only here, when a backend is built, never by merely importing the engine.
 *
 * `FMNIST_BACKEND=auto` is resolved once, in the main process, before any worker starts: each
 * gpu.js mode that starts here (gpujs:gl on headless-gl, gpujs:webasm, else gpujs:cpu) trains a
 * few real steps of the run's first model on its first batch (@fmnist/study's chooseBackend, as
 * the lab page does), and every worker builds the fastest by name.
 */
import type { Backend } from '@fmnist/core';
import { features, type ImageSet, sliceSet } from '@fmnist/data';
import type { ModelJob } from '@fmnist/study';
import {
  type BackendCandidate,
  type BackendMeasurement,
  type BackendProbe,
  chooseBackend,
  firstBatchProbe,
  measurementLines,
} from '@fmnist/study/backend-choice';

export const ENV_BACKEND = 'FMNIST_BACKEND';
/** The custom engine's default: gpu.js in its fastest mode here (webasm with SIMD). */
export const DEFAULT_CUSTOM_BACKEND = 'gpujs';

/** A backend chosen before the workers start: its name, and why. */
export interface ResolvedBackend {
  name: string;
  detail: string;
  measurements: BackendMeasurement[];
}

export async function customBackendFromEnv(
  env: Record<string, string | undefined>,
  fallback = DEFAULT_CUSTOM_BACKEND,
): Promise<{ backend: Backend; selection: { chosen: string; reason: string } }> {
  const { createBackendWithSelection } = await import('@fmnist/core/gpujs');
  const fromEnv = env[ENV_BACKEND]?.trim();
  return fromEnv
    ? createBackendWithSelection(fromEnv, ENV_BACKEND)
    : createBackendWithSelection(fallback, 'default');
}

/** Builds a backend resolved before (by name), or as the environment asks. */
export async function customBackend(
  env: Record<string, string | undefined>,
  resolved: { name: string; detail: string } | undefined,
): Promise<{ backend: Backend; reason: string }> {
  if (resolved) {
    const { createBackend } = await import('@fmnist/core/gpujs');
    return { backend: createBackend(resolved.name), reason: resolved.detail };
  }
  const { backend, selection } = await customBackendFromEnv(env);
  return { backend, reason: selection.reason };
}

/**
 * For FMNIST_BACKEND=auto, the measured choice (its table logged line by line); undefined for
 * any other value, which the workers build themselves.
 */
export async function resolveAutoBackend(
  env: Record<string, string | undefined>,
  probe: () => BackendProbe,
  log: (line: string) => void,
): Promise<ResolvedBackend | undefined> {
  if (env[ENV_BACKEND]?.trim() !== 'auto') return undefined;
  const { GpuJsBackend, GpuJsGlBackend, glModeAvailability, gpuJsModeAvailability } = await import(
    '@fmnist/core/gpujs'
  );
  const host = (mode: 'webasm' | 'cpu', fallbackFor?: string): BackendCandidate => ({
    label: `gpujs:${mode}`,
    name: `gpujs:${mode}`,
    start: () => {
      const { available, reason } = gpuJsModeAvailability(mode);
      if (!available) throw new Error(reason);
      return new GpuJsBackend({ mode });
    },
    ...(fallbackFor ? { fallbackFor } : {}),
  });
  const gl: BackendCandidate = {
    label: 'gpujs:gl on headless-gl',
    name: 'gpujs:gl',
    gl: true,
    start: () => {
      const { available, reason } = glModeAvailability();
      if (!available) throw new Error(reason);
      return new GpuJsGlBackend();
    },
  };
  const chosen = chooseBackend([gl, host('webasm'), host('cpu', 'gpujs:webasm')], probe());
  // The workers build their own; this one only measured.
  chosen.backend.dispose();
  log(`${ENV_BACKEND}=auto: a few training steps of the first model on each gpu.js mode here:`);
  for (const line of measurementLines(chosen.measurements)) log(line);
  return {
    name: chosen.name,
    detail: `${ENV_BACKEND}=auto ${chosen.detail}`,
    measurements: chosen.measurements,
  };
}

/** What `auto` measures: the job's model on the first 32 training images of its crop. */
export function probeOf(job: ModelJob, train: ImageSet): BackendProbe {
  return firstBatchProbe(job, features(sliceSet(train, 0, Math.min(32, train.count)), job.crop));
}

/**
 * FMNIST_BACKEND=auto for a command about to train `jobs`: measured on the first job's first
 * batch (the custom engine only); undefined otherwise, and the workers build what is asked.
 */
export function autoBackendForPlan(
  env: Record<string, string | undefined>,
  engine: string,
  jobs: readonly ModelJob[],
  train: ImageSet,
  log: (line: string) => void,
): Promise<ResolvedBackend | undefined> {
  if (engine !== 'custom' || jobs.length === 0) return Promise.resolve(undefined);
  return resolveAutoBackend(env, () => probeOf(jobs[0]!, train), log);
}
