import { describe, expect, it } from 'vitest';
import { gpuJsModeAvailability } from '../src/gpujs/backend.js';
import {
  BACKEND_NAMES,
  createBackend,
  createBackendWithSelection,
  UnknownBackendError,
} from '../src/gpujs/select.js';

describe('createBackend', () => {
  it('defaults to js, and never reads the environment itself', () => {
    const saved = process.env.FMNIST_BACKEND;
    process.env.FMNIST_BACKEND = 'gpujs:cpu';
    try {
      const { backend, selection } = createBackendWithSelection();
      expect(backend.name).toBe('js');
      expect(selection.source).toBe('default');
    } finally {
      if (saved === undefined) delete process.env.FMNIST_BACKEND;
      else process.env.FMNIST_BACKEND = saved;
    }
  });

  it('records where the name came from, as the caller says', () => {
    const { backend, selection } = createBackendWithSelection('gpujs:cpu', 'FMNIST_BACKEND');
    expect(backend.name).toBe('gpujs:cpu');
    expect(selection.source).toBe('FMNIST_BACKEND');
    backend.dispose();
    expect(createBackendWithSelection('js').selection.source).toBe('argument');
  });

  it('builds every gpujs mode by name; gpujs means its best mode here', () => {
    for (const mode of ['webasm', 'cpu'] as const) {
      const backend = createBackend(`gpujs:${mode}`);
      expect(backend.name).toBe(`gpujs:${mode}`);
      backend.dispose();
    }
    const cpu = createBackend('gpujs:cpu');
    expect(cpu.describe?.()).toMatch(/^gpujs:cpu: gpu\.js kernels translated to JavaScript/);
    cpu.dispose();
    expect(createBackend('js').describe?.()).toMatch(/reference/);
    const best = createBackend('gpujs');
    expect(best.name).toBe(
      gpuJsModeAvailability('webasm').available ? 'gpujs:webasm' : 'gpujs:cpu',
    );
    best.dispose();
  });

  it('auto reports what it picked and why, with the probe timings', () => {
    const { backend, selection } = createBackendWithSelection('auto');
    expect(selection.chosen).toBe(backend.name);
    expect(Object.keys(selection.probeMicros ?? {})).toContain('js');
    expect(selection.reason).toMatch(/fastest on a timed probe/);
    backend.dispose();
  });

  it('throws a clear error listing the valid names', () => {
    expect(() => createBackend('cuda')).toThrow(UnknownBackendError);
    expect(() => createBackend('gpujs:webgpu')).toThrow(UnknownBackendError);
    expect(() => createBackend('cuda')).toThrow(
      new RegExp(`Valid names: ${BACKEND_NAMES.join(', ')}`),
    );
  });
});
