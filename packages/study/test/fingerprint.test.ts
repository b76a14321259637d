import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { weightsSha256 } from '../src/fingerprint.js';

describe('weightsSha256', () => {
  it('is the SHA-256 of the weights as float32 little-endian, in order', async () => {
    const weights = [Float32Array.of(1, -2.5, 3), Float32Array.of(0.5)];
    const bytes = Buffer.alloc(16);
    for (const [i, v] of [1, -2.5, 3, 0.5].entries()) bytes.writeFloatLE(v, i * 4);
    expect(await weightsSha256(weights)).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await weightsSha256([])).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('tells equal weights from different ones, and rounds to float32 as the engines store them', async () => {
    const a = await weightsSha256([[1, 2, 3], [0.5]]);
    expect(await weightsSha256([Float32Array.of(1, 2, 3), Float32Array.of(0.5)])).toBe(a);
    expect(await weightsSha256([[1, 2, 3], [0.25]])).not.toBe(a);
    expect(await weightsSha256([[0.1]])).toBe(await weightsSha256([Float32Array.of(0.1)]));
  });
});
