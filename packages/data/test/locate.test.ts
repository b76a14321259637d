import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, findDataset, loadFashionMnist } from '../src/node/index.js';
import { dataErrorOf, fixtureFiles, tempDir, writeFixture } from './fixtures.js';

async function folders() {
  const root = await tempDir();
  const dirs = {
    dataDir: join(root, 'given'),
    envDir: join(root, 'env'),
    cacheDir: join(root, 'cache'),
    systemDir: join(root, 'system'),
  };
  for (const dir of Object.values(dirs)) writeFixture(dir);
  return { root, ...dirs };
}

describe('finding the files', () => {
  it('looks in --data-dir, then FASHION_MNIST_DIR, then the cache, then the system folder', async () => {
    const f = await folders();
    const options = { cacheDir: f.cacheDir, systemDir: f.systemDir };
    const env = { FASHION_MNIST_DIR: f.envDir };
    expect((await findDataset({ ...options, env, dataDir: f.dataDir }))?.source).toBe('data-dir');
    expect((await findDataset({ ...options, env }))?.source).toBe('env');
    expect((await findDataset({ ...options, env: {} }))?.source).toBe('cache');
    expect((await findDataset({ ...options, env: { FASHION_MNIST_DIR: '' } }))?.dir).toBe(
      f.cacheDir,
    );
    const noCache = { cacheDir: join(f.root, 'nothing'), systemDir: f.systemDir, env: {} };
    expect(await findDataset(noCache)).toMatchObject({ source: 'system', dir: f.systemDir });
    expect(await findDataset({ ...noCache, systemDir: join(f.root, 'none') })).toBeUndefined();
  });

  it('skips an incomplete cache but refuses an incomplete folder the user named', async () => {
    const f = await folders();
    const partial = join(f.root, 'partial');
    writeFixture(partial, undefined, { only: ['train-images-idx3-ubyte'] });
    const found = await findDataset({ cacheDir: partial, systemDir: f.systemDir, env: {} });
    expect(found?.source).toBe('system');
    await expect(findDataset({ dataDir: partial, env: {} })).rejects.toThrow(
      /train-labels-idx1-ubyte\(\.gz\), t10k-images-idx3-ubyte\(\.gz\), t10k-labels-idx1-ubyte\(\.gz\) missing from .*partial \(given by --data-dir\)\. Put the four/,
    );
    await expect(findDataset({ env: { FASHION_MNIST_DIR: join(f.root, 'typo') } })).rejects.toThrow(
      /does not exist.*unset FASHION_MNIST_DIR/,
    );
  });

  it('accepts name.gz or plain name, gzipped or not whatever the name says', async () => {
    const root = await tempDir();
    const raw = writeFixture(join(root, 'raw'), undefined, { raw: true });
    const data = await loadFashionMnist({ dataDir: raw, env: {} });
    expect(data.location.files.trainImages).toBe(join(raw, 'train-images-idx3-ubyte'));
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([50, 10, 20]);
    // A gzipped file under the plain name is still read (told by its magic bytes).
    const mixed = writeFixture(join(root, 'mixed'));
    const gzBytes = readFileSync(join(mixed, 'train-labels-idx1-ubyte.gz'));
    rmSync(join(mixed, 'train-labels-idx1-ubyte.gz'));
    writeFileSync(join(mixed, 'train-labels-idx1-ubyte'), gzBytes);
    expect((await loadFashionMnist({ dataDir: mixed, env: {} })).train.count).toBe(50);
  });
});

describe('loading', () => {
  it('splits 5:1, keeps test whole and applies the limit to training only', async () => {
    const dir = writeFixture(join(await tempDir(), 'd'));
    const data = await loadFashionMnist({ dataDir: dir, env: {}, limit: 7 });
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([7, 10, 20]);
    expect(Array.from(data.validation.labels.subarray(0, 3))).toEqual([0, 1, 2]); // images 50..52
    expect(data.limit).toBe(7);
    const big = await loadFashionMnist({ dataDir: dir, env: {}, limit: 1000 });
    expect(big.train.count).toBe(50);
  });

  it('names both files when images and labels disagree on the count', async () => {
    const dir = join(await tempDir(), 'd');
    writeFixture(dir);
    const other = fixtureFiles(61, 20);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), other['train-images-idx3-ubyte']);
    const error = await dataErrorOf(loadFashionMnist({ dataDir: dir, env: {} }));
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('count-mismatch');
    expect((error as DataError).message).toMatch(
      /train-images-idx3-ubyte\.gz holds 61 images but .*train-labels-idx1-ubyte\.gz holds 60 labels\. Use the images and labels files of the same release\./,
    );
  });

  it('suggests the fix that fits where a bad file was found', async () => {
    const root = await tempDir();
    const cacheDir = writeFixture(join(root, 'cache'));
    writeFileSync(join(cacheDir, 't10k-labels-idx1-ubyte.gz'), Uint8Array.from([0x1f, 0x8b, 8, 0]));
    const error = await dataErrorOf(
      loadFashionMnist({
        cacheDir,
        systemDir: join(root, 'none'),
        env: {},
      }),
    );
    expect(error).toMatchObject({ code: 'corrupt-gzip' });
    expect(error.message).toMatch(
      /t10k-labels-idx1-ubyte\.gz is a truncated or corrupt gzip file \(.*\)\. Delete .*cache\/t10k-labels-idx1-ubyte\.gz and run again to download a fresh copy\.$/,
    );
  });
});

describe('the user cache folder', () => {
  it('follows XDG on Linux, and the platform conventions on macOS and Windows', async () => {
    const { defaultCacheDir } = await import('../src/node/index.js');
    expect(defaultCacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/fmnist-lab');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/u' }, 'linux', '/home/u')).toBe(
      '/var/cache/u/fmnist-lab',
    );
    // A relative XDG_CACHE_HOME is invalid by the specification and ignored.
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'rel' }, 'linux', '/home/u')).toBe(
      '/home/u/.cache/fmnist-lab',
    );
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' }, 'darwin', '/Users/u')).toBe(
      '/Users/u/Library/Caches/fmnist-lab',
    );
    expect(
      defaultCacheDir({ LOCALAPPDATA: 'C:/Users/u/AppData/Local' }, 'win32', 'C:/Users/u'),
    ).toMatch(/^C:\/Users\/u\/AppData\/Local[\\/]fmnist-lab[\\/]Cache$/);
  });

  it('is where findDataset looks when no cacheDir is given, from the env it is passed', async () => {
    const root = await tempDir();
    writeFixture(join(root, 'fmnist-lab'));
    const found = await findDataset({
      env: { XDG_CACHE_HOME: root },
      systemDir: join(root, 'none'),
    });
    expect(found).toMatchObject({ source: 'cache', dir: join(root, 'fmnist-lab') });
  });
});
