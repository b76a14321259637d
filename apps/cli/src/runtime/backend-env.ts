/**
 * The custom engine's backend, as the environment asks for it: FMNIST_BACKEND (any name of
 * @fmnist/core/gpujs's BACKEND_NAMES), else gpu.js in its fastest mode here. gpu.js is loaded
 * only here, when a backend is built, never by merely importing the engine.
 */
import type { Backend } from '@fmnist/core';

export const ENV_BACKEND = 'FMNIST_BACKEND';
/** The custom engine's default: gpu.js in its fastest mode here (webasm with SIMD). */
export const DEFAULT_CUSTOM_BACKEND = 'gpujs';

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
