/**
 * The two byte loops every report image goes through, against their plainest forms: nearest-
 * neighbour scaling (each source pixel a factor×factor square) and base64 (the btoa of the
 * bytes as a binary string), for any size, any factor, and views that start inside a buffer.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scaleNearest } from '../src/images.js';
import { bytesToBase64 } from '../src/render.js';

describe('scaleNearest', () => {
  it('is pixel (⌊x/f⌋, ⌊y/f⌋) of the source at every (x, y)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (width, height, factor, seed) => {
          const rgba = Uint8Array.from(
            { length: width * height * 4 },
            (_, i) => (i * 31 + seed) % 256,
          );
          const scaled = scaleNearest({ rgba, width, height }, factor);
          expect([scaled.width, scaled.height]).toEqual([width * factor, height * factor]);
          for (let y = 0; y < scaled.height; y++) {
            for (let x = 0; x < scaled.width; x++) {
              const to = (y * scaled.width + x) * 4;
              const from = (Math.floor(y / factor) * width + Math.floor(x / factor)) * 4;
              expect([...scaled.rgba.subarray(to, to + 4)]).toEqual([
                ...rgba.subarray(from, from + 4),
              ]);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('bytesToBase64', () => {
  const plain = (bytes: Uint8Array) =>
    btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));

  it('is btoa of the bytes, for views that start inside their buffer too', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 70 }), fc.constantFrom(0x8000, 0x8001, 100_000)),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (length, offset, seed) => {
          const buffer = Uint8Array.from(
            { length: length + offset + 3 },
            (_, i) => (i * 131 + seed) % 256,
          );
          const view = buffer.subarray(offset, offset + length);
          expect(bytesToBase64(view)).toBe(plain(view));
        },
      ),
      { numRuns: 40 },
    );
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('gives the same text without Node’s Buffer (a web page)', () => {
    const bytes = Uint8Array.from({ length: 0x8000 + 77 }, (_, i) => (i * 7) % 256).subarray(3);
    const withBuffer = bytesToBase64(bytes);
    vi.stubGlobal('Buffer', undefined);
    expect(bytesToBase64(bytes)).toBe(withBuffer);
    expect(withBuffer).toBe(plain(bytes));
  });
});
