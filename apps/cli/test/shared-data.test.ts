// The data the main thread loaded, shared with the training threads: the same bytes, in
// SharedArrayBuffers, made once per data object.
import { describe, expect, it } from 'vitest';
import { sharedSplits } from '../src/runtime/shared-data.js';

const set = (count: number, first: number) => ({
  count,
  rows: 2,
  cols: 2,
  pixels: Uint8Array.from({ length: count * 4 }, (_, i) => (first + i) % 256),
  labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
});

describe('sharedSplits', () => {
  it('copies each split into SharedArrayBuffers once, byte for byte', () => {
    const data = { train: set(5, 0), validation: set(2, 50), test: set(3, 100) };
    const shared = sharedSplits(data);
    for (const split of ['train', 'validation', 'test'] as const) {
      expect(shared[split].pixels.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(shared[split].labels.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(shared[split].pixels).toEqual(data[split].pixels);
      expect(shared[split].labels).toEqual(data[split].labels);
      expect({ ...shared[split], pixels: 0, labels: 0 }).toEqual({
        ...data[split],
        pixels: 0,
        labels: 0,
      });
    }
    // Asked again for the same data (another seed's run), the same shared arrays.
    expect(sharedSplits(data)).toBe(shared);
  });
});
