// Messages that say what is really there: a folder, FIFO, link loop or dangling link where a
// data file should be; a file given as the data folder; a gzip bomb; gzip with trailing bytes
// (read as gzip(1) reads it); a gzip of nothing; an unreadable file (permissions, not
// "replace it"); a cache entry that would block the download.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeIdxImages, findDataset, loadFashionMnist } from '../src/node/index.js';
import { dataErrorOf, gz, imagesIdx, tempDir, writeFixture } from './fixtures.js';

const IMAGES = 'train-images-idx3-ubyte';

/** A --data-dir whose training images file is replaced by `make(path)`. */
async function folderWith(make: (path: string, dir: string) => void): Promise<string> {
  const dir = join(await tempDir(), 'given');
  writeFixture(dir);
  rmSync(join(dir, `${IMAGES}.gz`));
  make(join(dir, `${IMAGES}.gz`), dir);
  return dir;
}

describe('what stands where a data file should be', () => {
  const cases: [string, (path: string, dir: string) => void, RegExp][] = [
    ['a folder', (p) => mkdirSync(p), /\.gz \(given by --data-dir\) is a folder, not a data file/],
    ['a FIFO', (p) => execFileSync('mkfifo', [p]), /is a named pipe \(FIFO\), not a data file/],
    [
      'a symbolic link loop',
      (p) => symlinkSync(p, p),
      /is a symbolic link that loops, not a data file/,
    ],
    [
      'a dangling link',
      (p, dir) => symlinkSync(join(dir, 'gone.gz'), p),
      /is a dangling symbolic link \(to .*gone\.gz, which does not exist\), not a data file/,
    ],
  ];
  for (const [what, make, message] of cases) {
    it(`${what} is named as such, with where to put the file`, async () => {
      const dir = await folderWith(make);
      const error = await dataErrorOf(findDataset({ dataDir: dir, env: {} }));
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/Put the Fashion-MNIST file train-images-idx3-ubyte\.gz there/);
    });
  }

  it('a file given as --data-dir is "a file, not a folder", not "does not exist"', async () => {
    const file = join(await tempDir(), 'data.gz');
    writeFileSync(file, 'x');
    const error = await dataErrorOf(findDataset({ dataDir: file, env: {} }));
    expect(error.message).toMatch(
      /The data folder .*data\.gz \(given by --data-dir\) is a file, not a folder/,
    );
  });

  it('a folder in the cache where a download must go is found before downloading', async () => {
    const root = await tempDir();
    const cacheDir = join(root, 'cache');
    mkdirSync(join(cacheDir, `${IMAGES}.gz`), { recursive: true });
    const error = await dataErrorOf(
      loadFashionMnist({
        cacheDir,
        systemDir: join(root, 'none'),
        env: {},
        download: { mirrors: ['http://127.0.0.1:9/'] },
      }),
    );
    expect(error.message).toMatch(/in the download cache is a folder, not a data file\. Remove it/);
  });

  it.skipIf(process.getuid?.() === 0)(
    'an unreadable file says to fix its permissions (skipped as root: root reads everything)',
    async () => {
      const dir = join(await tempDir(), 'given');
      writeFixture(dir);
      chmodSync(join(dir, `${IMAGES}.gz`), 0o000);
      const error = await dataErrorOf(loadFashionMnist({ dataDir: dir, env: {} }));
      expect(error.message).toMatch(/Make it readable \(chmod a\+r .*\)/);
      expect(error.message).not.toMatch(/Replace/);
    },
  );
});

describe('gzip as gzip(1) reads it', () => {
  const source = { file: '/d/train-images-idx3-ubyte.gz' };

  it('a gzip bomb is "inflates to more than 512 MiB", not a Buffer error', async () => {
    // 600 MiB of zeros: about 600 KB gzipped.
    const bomb = gzipSync(Buffer.alloc(600 * 2 ** 20), { level: 9 });
    const error = await dataErrorOf(decodeIdxImages(bomb, source));
    expect(error.code).toBe('too-large');
    expect(error.message).toMatch(
      /inflates to more than 512 MiB, far more than any Fashion-MNIST file/,
    );
    expect(error.message).not.toMatch(/Buffer/);
  }, 30_000);

  it("trailing garbage after the gzip data: used, with gzip's warning", async () => {
    const packed = gz(imagesIdx(4));
    const withGarbage = new Uint8Array([...packed, ...Buffer.from('GARBAGE')]);
    const warnings: string[] = [];
    const images = await decodeIdxImages(withGarbage, { ...source, warn: (m) => warnings.push(m) });
    expect(images.count).toBe(4);
    expect(warnings).toEqual([
      '/d/train-images-idx3-ubyte.gz: decompression OK, trailing garbage ignored (as gzip does); the file has bytes after its gzip data',
    ]);
    // trailing zeros (tape padding) are ignored silently, as gzip does
    const padded = new Uint8Array([...packed, ...new Uint8Array(64)]);
    const quiet: string[] = [];
    expect((await decodeIdxImages(padded, { ...source, warn: (m) => quiet.push(m) })).count).toBe(
      4,
    );
    expect(quiet).toEqual([]);
    // a second member that is itself broken is an error, as gzip says "unknown method"
    const broken = new Uint8Array([...packed, 0x1f, 0x8b, 0x6a, 0x75, 0x6e, 0x6b]);
    expect((await dataErrorOf(decodeIdxImages(broken, source))).code).toBe('corrupt-gzip');
  });

  it('a gzip of an empty file says so, not "0 bytes long"', async () => {
    const error = await dataErrorOf(decodeIdxImages(gzipSync(Buffer.alloc(0)), source));
    expect(error.message).toMatch(/is a gzip file with nothing inside \(it inflates to 0 bytes\)/);
  });

  it('gzip(1) itself agrees on the trailing garbage: data out, a warning, exit 2', async () => {
    const dir = await tempDir();
    const file = join(dir, 'x.gz');
    writeFileSync(
      file,
      new Uint8Array([...gz(new Uint8Array([1, 2, 3])), ...Buffer.from('GARBAGE')]),
    );
    let status = 0;
    let stderr = '';
    try {
      execFileSync('gzip', ['-dc', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2); // gzip's "warning" status: the data came out
    expect(stderr).toMatch(/decompression OK, trailing garbage ignored/);
  });
});
