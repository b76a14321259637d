/**
 * The lab page's candidates for @fmnist/study's measured choice of backend: the device-resident
 * gpujs:gl on WebGL2 (else WebGL1), the WebAssembly SIMD host mode, and the JavaScript one only
 * where WebAssembly did not start. `auto` measures each on the run's first model and batch and
 * keeps the fastest; a named choice starts that one. The page shows the table either way.
 */
import { GpuJsBackend, GpuJsGlBackend, gpuJsModeAvailability } from '@fmnist/core/gpujs';
import {
  type BackendCandidate,
  type BackendProbe,
  type ChosenBackend,
  chooseBackend,
} from '@fmnist/study/backend-choice';
import type { LabBackendChoice } from './protocol.js';

const gl = (mode: 'webgl2' | 'webgl'): BackendCandidate => ({
  label: `gpujs:gl on ${mode}`,
  name: 'gpujs:gl',
  gl: true,
  start: () => new GpuJsGlBackend({ mode }),
  ...(mode === 'webgl' ? { fallbackFor: 'gpujs:gl on webgl2' } : {}),
});

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

export function chooseLabBackend(choice: LabBackendChoice, probe: BackendProbe): ChosenBackend {
  if (choice === 'gpujs:gl') return chooseBackend([gl('webgl2'), gl('webgl')], undefined);
  if (choice === 'gpujs:webasm' || choice === 'gpujs:cpu')
    return chooseBackend([host(choice.slice('gpujs:'.length) as 'webasm' | 'cpu')], undefined);
  return chooseBackend(
    [gl('webgl2'), gl('webgl'), host('webasm'), host('cpu', 'gpujs:webasm')],
    probe,
  );
}
