export type { Backend, FloatArray, MatmulOptions } from './backend.js';
export {
  BACKEND_NAMES,
  type BackendName,
  createBackend,
  UnknownBackendError,
} from './create-backend.js';
export { JsBackend } from './js-backend.js';
export { Rng, RngArgumentError } from './rng.js';
