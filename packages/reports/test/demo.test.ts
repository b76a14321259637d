import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReport } from '../src/node/index.js';
import { buildDemoDocument } from './demo-document.js';

const keep = process.env.FMNIST_REPORT_DEMO_DIR;
const scratch = await mkdtemp(join(tmpdir(), 'fmnist-reports-demo-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('the sample report, end to end', () => {
  it('writes a self-contained HTML page, Markdown, figures and results.json', async () => {
    const outDir = keep ?? join(scratch, 'report');
    const written = await writeReport(outDir, await buildDemoDocument());
    const names = await readdir(written.dir);
    expect(names.sort()).toEqual([
      '.fmnist-manifest.json',
      'figures',
      'report.html',
      'report.md',
      'results.json',
    ]);

    const html = await readFile(join(written.dir, 'report.html'), 'utf8');
    // Self-contained: nothing is fetched. (SVG's xmlns="http://www.w3.org/2000/svg" is a name,
    // not a request, and lives inside the base64 data URIs anyway.)
    expect(html).not.toMatch(/\s(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|<script|<link/i);
    expect(html).toContain('<nav class="toc">');
    expect(html.match(/<img[^>]*\ssrc="data:image\/(?:svg\+xml|png);base64,/g)?.length).toBe(
      written.files.filter((f) => f.startsWith('figures/') && f.endsWith('.png')).length,
    );

    const md = await readFile(join(written.dir, 'report.md'), 'utf8');
    expect(md).toContain('![Images per class in each split.](figures/class-distribution.png)');
    expect(md).toContain('weighted avg');

    const results = JSON.parse(await readFile(join(written.dir, 'results.json'), 'utf8'));
    expect(results.part2.models).toHaveLength(4);

    for (const file of written.files.filter((f) => f.endsWith('.png'))) {
      const png = PNG.sync.read(await readFile(join(written.dir, file)));
      expect(png.width).toBeGreaterThan(50);
      expect(png.height).toBeGreaterThan(50);
    }
  });
});
