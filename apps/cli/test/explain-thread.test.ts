/**
 * The study's explain pages written in a worker thread (the built CLI's runtime/explain-thread)
 * are the pages explainPages writes in this thread, file for file; a failure inside the thread
 * comes back as the same error.
 */

import { createHash } from 'node:crypto';
import { loadFashionMnist } from '@fmnist/data/node';
import { explainPages } from '@fmnist/study/report';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { explainInThread } from '../dist/runtime/explain-thread.js';

/** A PNG's size and a digest of its RGBA bytes (a deep compare of them is slow). */
function pixels(content: string | Uint8Array) {
  const png = decode(content as Uint8Array);
  const bytes = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  const sha = createHash('sha256').update(bytes).digest('hex');
  return { width: png.width, height: png.height, channels: png.channels, sha };
}

const dataDir = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

describe('explainInThread', () => {
  it('gives explainPages’ very pages, its progress lines passed on', async () => {
    const data = await loadFashionMnist({ dataDir, limit: 100 });
    const lines: string[] = [];
    const threaded = await explainInThread(['top', 'dropout'], {
      data,
      seed: 5,
      log: (line) => lines.push(line),
    });
    const here = await explainPages(['top', 'dropout'], { data, seed: 5, log: () => {} });
    expect(threaded).not.toBeNull();
    expect(threaded!.json).toEqual(here!.json);
    expect(threaded!.section).toEqual(here!.section);
    expect(threaded!.attachments.map((a) => a.path)).toEqual(here!.attachments.map((a) => a.path));
    threaded!.attachments.forEach((a, i) => {
      const b = here!.attachments[i]!.content;
      // PNGs by their pixels: this test process may load another build of the PNG encoder
      // than the CLI does (the CLI's own pages are the same bytes either way).
      if (a.path.endsWith('.png')) expect(pixels(a.content), a.path).toEqual(pixels(b));
      else expect(a.content === b, a.path).toBe(true);
    });
    expect(lines).toEqual(['explain page: top', 'explain page: dropout']);
  }, 120_000);

  it('brings an error inside the thread back as that error', async () => {
    const data = await loadFashionMnist({ dataDir, limit: 100 });
    const broken = { ...data, train: { ...data.train, rows: 3 } };
    await expect(
      explainInThread(['top'], { data: broken, seed: 5, log: () => {} }),
    ).rejects.toThrow();
    const here = await explainPages(['top'], { data: broken, seed: 5, log: () => {} }).catch(
      (error: Error) => error,
    );
    expect(here).toBeInstanceOf(Error);
    await expect(
      explainInThread(['top'], { data: broken, seed: 5, log: () => {} }),
    ).rejects.toMatchObject({ name: (here as Error).name, message: (here as Error).message });
  }, 120_000);
});
