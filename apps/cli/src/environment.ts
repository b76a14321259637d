/**
 * Every environment variable the program reads, checked at start-up, before any data is loaded
 * or any model trained: a mistake there is a usage error (exit 2, one line naming the variable
 * and the values it takes), not a bug found halfway through a run.
 */
import { BACKEND_NAMES } from '@fmnist/core';
import { ENV_TF_BACKEND, TF_BACKEND_NAMES } from '@fmnist/tf/node';
import { ENV_MIRRORS } from './context.js';
import { UsageError } from './errors.js';
import { ENV_BACKEND } from './runtime/backend-env.js';
import { ENV_WORKERS } from './runtime/lanes.js';

export function checkEnvironment(env: Record<string, string | undefined>): void {
  const set = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const backend = set(ENV_BACKEND);
  if (backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new UsageError(
      `${ENV_BACKEND}=${backend} is not a backend; set it to one of ${BACKEND_NAMES.join(', ')}, or unset it for gpujs`,
    );
  }
  const tf = set(ENV_TF_BACKEND);
  if (tf !== undefined && !(TF_BACKEND_NAMES as readonly string[]).includes(tf)) {
    throw new UsageError(
      `${ENV_TF_BACKEND}=${tf} is not a TensorFlow.js backend; set it to one of ${TF_BACKEND_NAMES.join(', ')}, or unset it`,
    );
  }
  const workers = set(ENV_WORKERS);
  if (workers !== undefined && !(/^\d+$/.test(workers) && Number(workers) >= 1)) {
    throw new UsageError(
      `${ENV_WORKERS}=${workers} is not a number of workers; set it to a whole number of 1 or more, or unset it`,
    );
  }
  const mirrors = set(ENV_MIRRORS);
  for (const mirror of mirrors
    ?.split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '') ?? []) {
    let url: URL | undefined;
    try {
      url = new URL(mirror);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      throw new UsageError(
        `${ENV_MIRRORS} holds '${mirror}', which is not an http or https URL; set it to comma-separated base URLs, or unset it`,
      );
    }
  }
}
