// The loader a page uses (bytes fetched, gzip unpacked by DecompressionStream) gives exactly
// what the Node loader gives from the same files, and refuses what it refuses.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError, type DatasetFile, loadFashionMnistFrom } from '../src/index.js';
import { loadFashionMnist } from '../src/node/index.js';
import {
  type FixtureFiles,
  fixtureFiles,
  gz,
  imagesIdx,
  tempDir,
  writeFixture,
} from './fixtures.js';

const fetcher =
  (files: FixtureFiles) =>
  async (file: DatasetFile): Promise<Uint8Array> =>
    files[file.name as keyof FixtureFiles];

async function refusal(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

describe('loadFashionMnistFrom, the loader a page uses', () => {
  it('gives the Node loader’s splits, pixels and labels, gzipped or not, with --limit', async () => {
    const files = fixtureFiles(60, 20);
    const dir = writeFixture(await tempDir());
    const node = await loadFashionMnist({ dataDir: dir, limit: 30, env: {} });
    const raw = Object.fromEntries(
      Object.entries(files).map(([k, v]) => [k, new Uint8Array(gunzipSync(v))]),
    ) as unknown as FixtureFiles;
    for (const source of [files, raw]) {
      const page = await loadFashionMnistFrom(fetcher(source), { limit: 30 });
      expect(page.limit).toBe(30);
      for (const split of ['train', 'validation', 'test'] as const) {
        expect(page[split].count).toBe(node[split].count);
        expect(page[split].pixels).toEqual(node[split].pixels);
        expect(page[split].labels).toEqual(node[split].labels);
      }
    }
  });

  it('refuses images and labels that disagree in count, naming both', async () => {
    const files = fixtureFiles(60, 20);
    files['t10k-labels-idx1-ubyte'] = files['train-labels-idx1-ubyte'];
    const error = await refusal(loadFashionMnistFrom(fetcher(files)));
    expect(error.code).toBe('count-mismatch');
    expect(error.message).toMatch(
      /t10k-images-idx3-ubyte holds 20 images but t10k-labels-idx1-ubyte holds 60 labels/,
    );
  });

  it('refuses a gzip bomb past 512 MiB without holding it, and a corrupt gzip', async () => {
    const files = fixtureFiles(60, 20);
    // 600 MiB of zeros deflate to about 600 KB.
    files['t10k-images-idx3-ubyte'] = gz(new Uint8Array(600 * 2 ** 20));
    expect((await refusal(loadFashionMnistFrom(fetcher(files)))).code).toBe('too-large');
    const corrupt = fixtureFiles(60, 20);
    corrupt['train-images-idx3-ubyte'] = corrupt['train-images-idx3-ubyte'].slice(0, 40);
    expect((await refusal(loadFashionMnistFrom(fetcher(corrupt)))).code).toBe('corrupt-gzip');
  });

  it('refuses images that are not 28x28 and a bad --limit', async () => {
    const files = fixtureFiles(60, 20);
    files['train-images-idx3-ubyte'] = gz(imagesIdx(60, 14, 28));
    expect((await refusal(loadFashionMnistFrom(fetcher(files)))).code).toBe('bad-dimensions');
    const error = await refusal(loadFashionMnistFrom(fetcher(fixtureFiles()), { limit: 0 }));
    expect(error.message).toMatch(/The limit 0 is not a positive whole number/);
  });
});
