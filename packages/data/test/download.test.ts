import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { canMountTmpfs, mountTmpfs, unmountAll } from '@fmnist/files/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATASET_FILES,
  DataError,
  type DatasetFileKey,
  type DownloadEvent,
  loadFashionMnist,
  removeStaleTemporaries,
} from '../src/node/index.js';
import { dataErrorOf, type FixtureFiles, fixtureFiles, tempDir, writeFixture } from './fixtures.js';

const files = fixtureFiles(60, 20);
const sha256 = Object.fromEntries(
  DATASET_FILES.map((f) => [
    f.key,
    createHash('sha256')
      .update(files[f.name as keyof FixtureFiles])
      .digest('hex'),
  ]),
) as Record<DatasetFileKey, string>;

let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    const [, mirror, fileName] = url.split('/');
    const bytes = files[(fileName ?? '').replace(/\.gz$/, '') as keyof FixtureFiles];
    if (bytes === undefined || mirror === 'missing') {
      res.writeHead(404).end('not found');
      return;
    }
    switch (mirror) {
      case 'good':
        res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
        return;
      case 'redirect':
        res.writeHead(302, { location: `/good/${fileName}` }).end();
        return;
      case 'corrupt': {
        const copy = Buffer.from(bytes);
        copy[copy.length >> 1] ^= 0xff;
        res.writeHead(200, { 'content-length': copy.length }).end(copy);
        return;
      }
      case 'cut':
        res.writeHead(200, { 'content-length': bytes.length });
        res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
        return;
      case 'endless': {
        // No length, and bytes for ever: only the size cap ends it.
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 0x1f);
        const pump = () => {
          while (res.write(chunk)) if (res.destroyed) return;
          res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
        return;
      }
      case 'huge':
        // Announces a gigabyte.
        res.writeHead(200, { 'content-length': String(10 ** 9) });
        res.write(bytes);
        return;
      case 'stall':
        res.writeHead(200, { 'content-length': bytes.length });
        res.write(bytes.subarray(0, 10)); // then nothing, ever
        return;
      default:
        res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Options that keep the real cache, system folder and environment out of the test. */
async function isolated(mirrors: string[], extra: { stallTimeoutMs?: number } = {}) {
  const root = await tempDir();
  const cacheDir = join(root, 'cache');
  const events: DownloadEvent[] = [];
  return {
    cacheDir,
    events,
    options: {
      cacheDir,
      systemDir: join(root, 'no-system-copy'),
      env: {},
      download: {
        mirrors: mirrors.map((m) => `${base}/${m}/`),
        sha256,
        onProgress: (e: DownloadEvent) => events.push(e),
        ...extra,
      },
    },
  };
}

const listing = (dir: string) => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

describe('downloading into the cache', () => {
  it('downloads the four files, reports progress, then reads them from the cache', async () => {
    const { cacheDir, events, options } = await isolated(['good']);
    const data = await loadFashionMnist(options);
    expect(data.location).toMatchObject({ source: 'download', dir: cacheDir });
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([50, 10, 20]);
    expect(listing(cacheDir)).toEqual(DATASET_FILES.map((f) => `${f.name}.gz`).sort());

    const done = events.filter((e) => e.type === 'done').map((e) => e.file);
    expect(done).toEqual(DATASET_FILES.map((f) => `${f.name}.gz`));
    const lastProgress = events.filter((e) => e.type === 'progress').at(-1);
    expect(lastProgress).toMatchObject({ file: 't10k-labels-idx1-ubyte.gz' });
    if (lastProgress?.type === 'progress') {
      expect(lastProgress.receivedBytes).toBe(lastProgress.totalBytes);
    }

    const before = requests.length;
    const again = await loadFashionMnist(options);
    expect(again.location.source).toBe('cache');
    expect(requests.length).toBe(before);
  });

  it('falls through mirrors: a 404, then a redirect to a good copy', async () => {
    const { cacheDir, events, options } = await isolated(['missing', 'redirect']);
    await loadFashionMnist(options);
    expect(listing(cacheDir)).toHaveLength(4);
    const failed = events.filter((e) => e.type === 'mirror-failed');
    expect(failed).toHaveLength(4);
    expect(failed[0]).toMatchObject({ reason: 'HTTP 404 Not Found', last: false });
  });

  it('marks the failure of the last mirror as the last', async () => {
    const { events, options } = await isolated(['missing', 'missing']);
    await expect(loadFashionMnist(options)).rejects.toThrow();
    const failed = events.filter((e) => e.type === 'mirror-failed');
    expect(failed.map((e) => e.last)).toEqual([false, true]);
  });

  it('downloads only what a partial cache lacks', async () => {
    const { cacheDir, options } = await isolated(['good']);
    writeFixture(cacheDir, files, { only: ['train-images-idx3-ubyte', 't10k-images-idx3-ubyte'] });
    const before = requests.length;
    await loadFashionMnist(options);
    expect(requests.slice(before)).toEqual([
      '/good/train-labels-idx1-ubyte.gz',
      '/good/t10k-labels-idx1-ubyte.gz',
    ]);
  });
});

describe('download failures leave nothing half-written', () => {
  it('a file with the wrong SHA-256 is not kept', async () => {
    const { cacheDir, options } = await isolated(['corrupt']);
    const error = await dataErrorOf(loadFashionMnist(options));
    expect(error).toBeInstanceOf(DataError);
    expect(error.code).toBe('checksum-mismatch');
    expect(error.message).toMatch(
      /^Downloaded train-images-idx3-ubyte\.gz but it is not the official file \(SHA-256 [0-9a-f]{64} from http:\/\/127\.0\.0\.1:\d+\/corrupt\/train-images-idx3-ubyte\.gz\); nothing was saved\. Check your network/,
    );
    expect(listing(cacheDir)).toEqual([]);
  });

  it('a transfer cut short is removed, and the error says what to do offline', async () => {
    const { cacheDir, options } = await isolated(['cut']);
    const error = await dataErrorOf(loadFashionMnist(options));
    expect(error.code).toBe('download-failed');
    expect(error.message).toContain(`Put the four Fashion-MNIST files in ${cacheDir}`);
    expect(error.message).toContain('sudo apt-get install dataset-fashion-mnist');
    expect(listing(cacheDir)).toEqual([]);
  });

  it('a mirror that stops sending is given up on', async () => {
    const { cacheDir, options } = await isolated(['stall'], { stallTimeoutMs: 200 });
    const error = await dataErrorOf(loadFashionMnist(options));
    expect(error.code).toBe('download-failed');
    expect(error.message).toMatch(/no data for 0 s|aborted/);
    expect(listing(cacheDir)).toEqual([]);
  });

  it('a mirror that streams for ever is cut off at the official size: nothing fills the disk', async () => {
    const { cacheDir, events, options } = await isolated(['endless']);
    const error = await dataErrorOf(loadFashionMnist(options));
    expect(error.code).toBe('download-failed');
    expect(error.message).toMatch(
      new RegExp(`it sent more than the official file's ${DATASET_FILES[0]!.bytes} bytes`),
    );
    const received = events.filter((e) => e.type === 'progress').at(-1);
    expect(received?.type === 'progress' && received.receivedBytes).toBeLessThanOrEqual(
      DATASET_FILES[0]!.bytes,
    );
    expect(listing(cacheDir)).toEqual([]);
  });

  it('a mirror announcing more than the official size is given up on before reading', async () => {
    const { cacheDir, events, options } = await isolated(['huge', 'good']);
    const data = await loadFashionMnist(options);
    expect(data.train.count).toBe(50);
    const failed = events.find((e) => e.type === 'mirror-failed');
    expect(failed?.type === 'mirror-failed' && failed.reason).toMatch(
      /^it announces \d+ bytes; the official file has 26421856$/,
    );
    expect(listing(cacheDir)).toEqual(DATASET_FILES.map((f) => `${f.name}.gz`).sort());
  });

  it.skipIf(!canMountTmpfs)(
    `a read-only cache: one line naming the read-only folder, before any download${canMountTmpfs ? '' : ' (skipped: mounting a read-only tmpfs needs root)'}`,
    async () => {
      const root = await tempDir();
      const ro = join(root, 'ro');
      mountTmpfs(ro, '64k', { readOnly: true });
      try {
        const before = requests.length;
        for (const cacheDir of [join(ro, 'fmnist-lab'), ro]) {
          const error = await dataErrorOf(
            loadFashionMnist({
              cacheDir,
              systemDir: join(root, 'none'),
              env: {},
              download: { mirrors: [`${base}/good/`], sha256 },
            }),
          );
          expect(error.message).toMatch(
            new RegExp(
              `^Cannot write the cache folder ${cacheDir} to download train-images-idx3-ubyte\\.gz into \\(${ro}: the file system is read-only\\)\\. Put the four`,
            ),
          );
        }
        expect(requests.length).toBe(before);
      } finally {
        unmountAll();
      }
    },
  );

  it('offline: a clear one-line error naming where to put the files', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { cacheDir, options } = await isolated([]);
    options.download.mirrors = [`http://127.0.0.1:${port}/`];
    const error = await dataErrorOf(loadFashionMnist(options));
    expect(error.code).toBe('download-failed');
    expect(error.message).toMatch(
      /^The Fashion-MNIST files are not on this machine and train-images-idx3-ubyte\.gz could not be downloaded \(.*ECONNREFUSED.*\)\. Put the four Fashion-MNIST files in .*cache \(or in a folder named by --data-dir or FASHION_MNIST_DIR\), or install the Debian package: sudo apt-get install dataset-fashion-mnist\.$/,
    );
    expect(error.message).not.toContain('\n');
    expect(listing(cacheDir)).toEqual([]);
  });

  it('removes the temporary files of a download whose process died, keeps a live one', async () => {
    const { cacheDir, options } = await isolated(['good']);
    mkdirSync(cacheDir, { recursive: true });
    // No process has pid 2^22 + 1 (above Linux's pid_max default); ours is alive.
    const dead = `.train-images-idx3-ubyte.gz.${2 ** 22 + 1}.0a1b2c3d.part`;
    const live = `.train-images-idx3-ubyte.gz.${process.pid}.0a1b2c3d.part`;
    // Files of someone else's that look like partial downloads are not the tool's to remove.
    const foreign = [`.video.mkv.${2 ** 22 + 1}.0a1b2c3d.part`, '.firefox.2.ab.part'];
    for (const name of [dead, live, ...foreign]) writeFileSync(join(cacheDir, name), 'half');
    expect(await removeStaleTemporaries(cacheDir)).toEqual([dead]);
    await loadFashionMnist(options);
    expect(listing(cacheDir)).toEqual(
      [live, ...foreign, ...DATASET_FILES.map((f) => `${f.name}.gz`)].sort(),
    );
  });

  it('with downloading off, says so', async () => {
    const { options } = await isolated(['good']);
    await expect(loadFashionMnist({ ...options, download: false })).rejects.toThrow(
      /not on this machine and downloading is off\. Put the four files in/,
    );
  });

  it('a corrupted file already in the cache errors clearly and the cache is left as it was', async () => {
    const { cacheDir, options } = await isolated(['good']);
    await loadFashionMnist(options);
    const victim = join(cacheDir, 'train-images-idx3-ubyte.gz');
    const bytes = readFileSync(victim);
    writeFileSync(victim, bytes.subarray(0, bytes.length - 100)); // truncated
    const snapshot = listing(cacheDir).map((f) => [f, readFileSync(join(cacheDir, f))]);
    const before = requests.length;
    const error = await dataErrorOf(loadFashionMnist(options));
    expect(error.code).toBe('corrupt-gzip');
    expect(error.message).toContain(`Delete ${victim} and run again to download a fresh copy.`);
    expect(listing(cacheDir).map((f) => [f, readFileSync(join(cacheDir, f))])).toEqual(snapshot);
    expect(requests.length).toBe(before);
  });
});
