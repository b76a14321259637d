/**
 * @fmnist/core: the Backend interface (the kernels nn calls), the readable js backend and the
 * seeded Rng.
 * The gpu.js backend and the choice of a backend by name live in `@fmnist/core/gpujs`, so that
 * importing the engine does not load gpu.js unless a gpu.js backend is asked for.
 */
export type {
  AdamUpdateArgs,
  Backend,
  BatchNormBackwardArgs,
  BatchNormForwardArgs,
  FloatArray,
  FusedActivation,
  MatmulOptions,
  MomentumUpdateArgs,
  RmspropUpdateArgs,
} from './backend.js';
export { BACKEND_NAMES, type BackendName } from './backend-names.js';
export { activate, JsBackend } from './js-backend.js';
export { Rng, RngArgumentError } from './rng.js';
