/**
 * The backend the lab page trains on: gpu.js's device-resident mode (gpujs:gl) on WebGL2, else
 * on WebGL1, else the fastest host mode of gpu.js (webasm, then cpu), with why, so the page can
 * show what ran and on what device (WEBGL_debug_renderer_info, where the browser tells).
 */
import type { Backend } from '@fmnist/core';
import { createBackendWithSelection, GpuJsGlBackend } from '@fmnist/core/gpujs';

export interface LabBackend {
  backend: Backend;
  /** `gpujs:gl on webgl2`, `gpujs:webasm`, ... */
  label: string;
  /** What runs underneath, and what was tried before it. */
  detail: string;
}

export function chooseLabBackend(): LabBackend {
  const tried: string[] = [];
  for (const mode of ['webgl2', 'webgl'] as const) {
    try {
      const backend = new GpuJsGlBackend({ mode });
      const before = tried.length ? ` (${tried.join('; ')})` : '';
      return {
        backend,
        label: `${backend.name} on ${mode}`,
        detail: `${backend.describe()}${before}`,
      };
    } catch (error) {
      tried.push(`${mode}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const { backend, selection } = createBackendWithSelection('gpujs', 'the lab page');
  return {
    backend,
    label: backend.name,
    detail: `no WebGL with float textures here (${tried.join('; ')}); ${selection.reason}`,
  };
}
