/** @fmnist/core/gpujs: the gpu.js backend and the choice of a backend by name. */

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
} from './backend.js';
export {
  BACKEND_NAMES,
  type BackendName,
  type BackendSelection,
  createBackend,
  createBackendWithSelection,
  GPUJS_PREFERENCE,
  STUDY_STEP_MATMULS,
  UnknownBackendError,
} from './select.js';
