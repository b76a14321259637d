/** @fmnist/core/gpujs: the gpu.js backend and the choice of a backend by name. */

export {
  assertKernelMode,
  GPUJS_MODES,
  GpuJsBackend,
  type GpuJsBackendOptions,
  GpuJsFallbackError,
  type GpuJsMode,
  GpuJsUnavailableError,
  gpuJsModeAvailability,
  KernelSizeError,
  kernelMode,
} from './backend.js';
export {
  DEFAULT_MATMUL_SHAPE,
  type MatmulKernelShape,
  matmulKernelSource,
} from './kernel-source.js';
export {
  GL_MODES,
  type GlMode,
  GpuJsGlBackend,
  type GpuJsGlBackendOptions,
  glModeAvailability,
  type ResidentCounters,
} from './resident.js';
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
