export type { Backend, FloatArray, MatmulOptions } from './backend.js';
export {
  BACKEND_NAMES,
  type BackendName,
  type BackendSelection,
  createBackend,
  createBackendWithSelection,
  GPUJS_PREFERENCE,
  STUDY_STEP_MATMULS,
  UnknownBackendError,
} from './create-backend.js';
export {
  DEFAULT_MATMUL_SHAPE,
  GPUJS_MODES,
  GpuJsBackend,
  type GpuJsBackendOptions,
  type GpuJsMode,
  GpuJsUnavailableError,
  gpuJsModeAvailability,
  KernelSizeError,
  type MatmulKernelShape,
  matmulKernelSource,
} from './gpujs-backend.js';
export { JsBackend } from './js-backend.js';
export { Rng, RngArgumentError } from './rng.js';
export { ShapeError, Tensor, type TensorMatmulOptions, TensorOps } from './tensor.js';
