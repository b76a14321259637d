/**
 * The backend names `createBackend` (in @fmnist/core/gpujs) accepts, here without gpu.js, so
 * that a program can check a name (say, from its environment) before anything loads gpu.js.
 */
export const BACKEND_NAMES = [
  'js',
  'gpujs',
  'gpujs:webasm',
  'gpujs:cpu',
  'gpujs:headlessgl',
  'gpujs:gl',
  'auto',
] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
