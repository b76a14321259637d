// Fuzzing the IDX reader: whatever bytes it is given (random, or a valid file with bytes
// flipped, cut short or extended, gzipped or not), it either returns a well-formed result
// or throws a DataError with one of the reader's codes and a one-line message naming the
// file. Nothing else: no RangeError from a DataView, no hang, no huge allocation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DataError,
  type DataErrorCode,
  decodeIdxImages,
  decodeIdxLabels,
} from '../src/node/index.js';
import { gz, imagesIdx, labelsIdx } from './fixtures.js';

const READER_CODES: DataErrorCode[] = [
  'corrupt-gzip',
  'bad-magic',
  'bad-dimensions',
  'bad-length',
  'label-out-of-range',
];
const FILE = '/fuzz/input-file';

/** A valid file, then zero or more mutations, then maybe gzipped (or gzipped then mutated). */
function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(),
      mask: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('extend' as const),
      extra: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;
  const apply = (bytes: Uint8Array, m: Mutation): Uint8Array => {
    if (bytes.length === 0) return bytes;
    switch (m.kind) {
      case 'flip': {
        const copy = bytes.slice();
        const at = m.at % copy.length;
        copy[at] = copy[at]! ^ m.mask;
        return copy;
      }
      case 'truncate':
        return bytes.subarray(0, m.at % bytes.length);
      case 'extend': {
        const longer = new Uint8Array(bytes.length + m.extra.length);
        longer.set(bytes);
        longer.set(m.extra, bytes.length);
        return longer;
      }
    }
  };
  return fc
    .tuple(
      valid,
      fc.array(mutation, { maxLength: 3 }),
      fc.constantFrom('raw', 'gzip-then-mutate', 'mutate-then-gzip'),
    )
    .map(([bytes, mutations, order]) => {
      const mutate = (b: Uint8Array) => mutations.reduce(apply, b);
      if (order === 'raw') return mutate(bytes);
      if (order === 'gzip-then-mutate') return mutate(gz(bytes));
      return gz(mutate(bytes));
    });
}

const validImages = fc
  .record({
    count: fc.integer({ min: 1, max: 4 }),
    rows: fc.integer({ min: 1, max: 6 }),
    cols: fc.integer({ min: 1, max: 6 }),
  })
  .map(({ count, rows, cols }) => imagesIdx(count, rows, cols));
const validLabels = fc
  .array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 30 })
  .map(labelsIdx);

/** Random bytes, random bytes behind a plausible header, or a mutated valid file. */
function inputs(valid: fc.Arbitrary<Uint8Array>, magic: number): fc.Arbitrary<Uint8Array> {
  const headed = fc.uint8Array({ maxLength: 200 }).map((tail) => {
    const bytes = new Uint8Array(4 + tail.length);
    new DataView(bytes.buffer).setUint32(0, magic);
    bytes.set(tail, 4);
    return bytes;
  });
  return fc.oneof(fc.uint8Array({ maxLength: 300 }), headed, mutated(valid), mutated(headed));
}

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    // Anything but a DataError with a reader's code fails the property right here.
    expect(error).toBeInstanceOf(DataError);
    const dataError = error as DataError;
    expect(READER_CODES).toContain(dataError.code);
    expect(dataError.message).toContain(FILE);
    expect(dataError.message).not.toContain('\n');
    return undefined;
  }
}

describe('IDX reader under fuzzing', () => {
  it('images: a consistent result or a typed error', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(inputs(validImages, 2051), async (bytes) => {
        const images = await outcome(() => decodeIdxImages(bytes, { file: FILE }));
        if (images !== undefined) {
          const { count, rows, cols, pixels } = images as Awaited<
            ReturnType<typeof decodeIdxImages>
          >;
          expect(count * rows * cols).toBe(pixels.length);
          expect(count).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('labels: a consistent result or a typed error', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(inputs(validLabels, 2049), async (bytes) => {
        const labels = await outcome(() => decodeIdxLabels(bytes, { file: FILE }));
        if (labels !== undefined) {
          const values = Array.from(labels as Uint8Array);
          expect(values.length).toBeGreaterThan(0);
          expect(values.every((v) => v >= 0 && v < 10)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a valid file survives the round trip unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 50 }),
        fc.boolean(),
        async (labels, packed) => {
          const bytes = labelsIdx(labels);
          const parsed = await decodeIdxLabels(packed ? gz(bytes) : bytes, { file: FILE });
          expect(Array.from(parsed)).toEqual(labels);
        },
      ),
      { numRuns: 100 },
    );
  });
});
