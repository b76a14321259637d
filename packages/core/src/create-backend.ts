import type { Backend } from './backend.js';
import { JsBackend } from './js-backend.js';

/** The backend names `createBackend` and `FMNIST_BACKEND` accept. */
export const BACKEND_NAMES = ['js'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Thrown for a backend name nobody knows; the message lists the valid ones. */
export class UnknownBackendError extends Error {
  override readonly name = 'UnknownBackendError';
  constructor(readonly requested: string) {
    super(
      `Unknown backend '${requested}'. Valid names: ${BACKEND_NAMES.join(', ')} ` +
        '(pass one to createBackend or set FMNIST_BACKEND).',
    );
  }
}

/**
 * Builds a backend by name: the argument if given, else the `FMNIST_BACKEND` environment
 * variable, else `js`.
 */
export function createBackend(name?: string): Backend {
  const chosen = (name ?? process.env.FMNIST_BACKEND ?? 'js').trim() || 'js';
  switch (chosen) {
    case 'js':
      return new JsBackend();
    default:
      throw new UnknownBackendError(chosen);
  }
}
