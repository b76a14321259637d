import { describe, expect, it } from 'vitest';
import {
  DataError,
  type DataErrorCode,
  decodeIdxImages,
  decodeIdxLabels,
  isGzip,
  parseIdxImages,
  parseIdxLabels,
} from '../src/node/index.js';
import { gz, imagesIdx, labelsIdx } from './fixtures.js';

const source = { file: '/data/train-images-idx3-ubyte.gz' };
const labelSource = { file: '/data/train-labels-idx1-ubyte.gz' };

async function codeOf(promise: Promise<unknown>): Promise<DataErrorCode | 'no error'> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return (error as DataError).code;
  }
}

describe('IDX images', () => {
  it('parses count, size and pixels of a raw file', () => {
    const images = parseIdxImages(
      imagesIdx(3, 2, 4, (i, r, c) => i * 10 + r * 4 + c),
      source,
    );
    expect(images).toMatchObject({ count: 3, rows: 2, cols: 4 });
    expect(Array.from(images.pixels.subarray(8, 16))).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
  });

  it('tells gzip by its magic bytes, not by the name', async () => {
    const raw = imagesIdx(2);
    expect(isGzip(raw)).toBe(false);
    expect(isGzip(gz(raw))).toBe(true);
    const named = { file: 'images-without-gz-suffix' };
    const fromGz = await decodeIdxImages(gz(raw), named);
    const fromRaw = await decodeIdxImages(raw, { file: 'images.gz' });
    expect(fromGz.pixels).toEqual(fromRaw.pixels);
  });

  it('rejects a labels file given as images, naming the file', () => {
    expect(() => parseIdxImages(labelsIdx([1, 2]), source)).toThrow(
      /train-images-idx3-ubyte\.gz has magic number 2049, not 2051 \(IDX images\): it holds labels\. Replace/,
    );
  });

  it('rejects a truncated body and extra bytes with bad-length', () => {
    const whole = imagesIdx(2);
    const error = (bytes: Uint8Array) => {
      try {
        parseIdxImages(bytes, source);
      } catch (e) {
        return e as DataError;
      }
      throw new Error('expected an error');
    };
    expect(error(whole.subarray(0, whole.length - 1)).code).toBe('bad-length');
    expect(error(whole.subarray(0, whole.length - 1)).message).toMatch(/is truncated/);
    expect(error(whole.subarray(0, 10)).message).toMatch(/shorter than its 16-byte IDX header/);
    const longer = new Uint8Array(whole.length + 3);
    longer.set(whole);
    expect(error(longer).message).toMatch(/has extra bytes at the end/);
  });

  it('checks the image size when asked, and rejects empty files', () => {
    expect(() => parseIdxImages(imagesIdx(1, 14, 28), source, { rows: 28, cols: 28 })).toThrow(
      expect.objectContaining({ code: 'bad-dimensions' }),
    );
    expect(() => parseIdxImages(imagesIdx(0), source)).toThrow(
      expect.objectContaining({ code: 'bad-dimensions' }),
    );
  });

  it('reports a corrupt or truncated gzip file as corrupt-gzip', async () => {
    const packed = gz(imagesIdx(5));
    expect(await codeOf(decodeIdxImages(packed.subarray(0, packed.length - 9), source))).toBe(
      'corrupt-gzip',
    );
    const flipped = packed.slice();
    flipped[20] = flipped[20]! ^ 0xff;
    expect(await codeOf(decodeIdxImages(flipped, source))).toBe('corrupt-gzip');
  });

  it('uses the caller-supplied fix in the one-line message', () => {
    try {
      parseIdxImages(new Uint8Array([0, 0, 8, 1]), { file: '/c/x.gz', fix: 'Delete /c/x.gz' });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toBe(
        '/c/x.gz has magic number 2049, not 2051 (IDX images): it holds labels. Delete /c/x.gz.',
      );
      expect(message).not.toContain('\n');
    }
  });
});

describe('IDX labels', () => {
  it('parses labels', async () => {
    expect(Array.from(await decodeIdxLabels(gz(labelsIdx([9, 0, 3])), labelSource))).toEqual([
      9, 0, 3,
    ]);
  });

  it('rejects a label outside 0-9, naming its index', () => {
    expect(() => parseIdxLabels(labelsIdx([1, 2, 10]), labelSource)).toThrow(
      /has label 10 at index 2, outside 0-9/,
    );
  });

  it('rejects images given as labels, truncation and an empty file', () => {
    const cases: [Uint8Array, DataErrorCode][] = [
      [imagesIdx(1), 'bad-magic'],
      [labelsIdx([1, 2, 3]).subarray(0, 10), 'bad-length'],
      [labelsIdx([]), 'bad-dimensions'],
      [new Uint8Array([0, 0]), 'bad-length'],
    ];
    for (const [bytes, code] of cases) {
      expect(() => parseIdxLabels(bytes, labelSource)).toThrow(expect.objectContaining({ code }));
    }
  });
});
