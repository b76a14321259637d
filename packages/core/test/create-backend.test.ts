import { afterEach, describe, expect, it } from 'vitest';
import { createBackend, UnknownBackendError } from '../src/create-backend.js';

describe('createBackend', () => {
  const saved = process.env.FMNIST_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.FMNIST_BACKEND;
    else process.env.FMNIST_BACKEND = saved;
  });

  it('defaults to js', () => {
    delete process.env.FMNIST_BACKEND;
    expect(createBackend().name).toBe('js');
  });

  it('reads FMNIST_BACKEND when no name is given', () => {
    process.env.FMNIST_BACKEND = 'js';
    expect(createBackend().name).toBe('js');
  });

  it('throws a clear error listing the valid names', () => {
    expect(() => createBackend('cuda')).toThrow(UnknownBackendError);
    expect(() => createBackend('cuda')).toThrow(/Valid names: js/);
  });
});
