import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReportDocument } from '../src/document.js';
import { ReportInputError } from '../src/errors.js';
import { writeReport } from '../src/node/write-report.js';
import { tinyDocument } from './tiny-document.js';

const root = await mkdtemp(join(tmpdir(), 'fmnist-reports-write-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const hidden = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith('.'));

describe('writeReport', () => {
  it('writes report.html, report.md, results.json and the figures', async () => {
    const out = join(root, 'first');
    const written = await writeReport(out, tinyDocument());
    expect(written.dir).toBe(out);
    expect(written.files).toEqual([
      'figures/chart.svg',
      'figures/chart.png',
      'results.json',
      'report.md',
      'report.html',
    ]);
    expect((await readdir(join(out, 'figures'))).sort()).toEqual(['chart.png', 'chart.svg']);
    expect(JSON.parse(await readFile(join(out, 'results.json'), 'utf8'))).toEqual({
      accuracy: 0.9,
      predictions: [1, 2, 3],
    });
    expect(await hidden(root)).toEqual([]);

    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<title>Report</title>');
    expect(html).toContain('<p>A &lt;b&gt;bold&lt;/b&gt; claim &amp; more.</p>');
    // Headings get unique anchors, and the table of contents links to them.
    expect(html).toContain('<section id="results-things">');
    expect(html).toContain('<section id="results-things-1">');
    expect(html).toContain('<a href="#results-things-1">');
    expect(html).toContain('src="data:image/svg+xml;base64,');
    expect(html).toContain('<dt>Backend</dt><dd>wasm</dd>');
    expect(html).toContain('<dt>Time: total</dt><dd>12.5 s</dd>');
    expect(html).not.toMatch(/\s(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);

    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Results &amp; &lt;things&gt;');
    expect(md).toContain('![A chart](figures/chart.png)\n\n*A chart* ([SVG](figures/chart.svg))');
    expect(md).toContain('| **1** |');
    // The fence is longer than any backtick run inside the block.
    expect(md).toContain('**report**\n\n````text\n   precision\n\n  a  ```  1.00\n````');
    expect(md).toContain('- [Results &amp; &lt;things&gt;](#results-things)');
  });

  it('replaces an earlier report with a complete new one, keeping the files the user added', async () => {
    const out = join(root, 'replace');
    await writeReport(out, tinyDocument('Old'));
    await writeFile(join(out, 'figures', 'mine.png'), 'added by the user');
    await writeFile(join(out, 'notes.md'), 'my notes');
    const written = await writeReport(out, tinyDocument('New'));
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('<title>New</title>');
    expect(await readFile(join(out, 'figures', 'mine.png'), 'utf8')).toBe('added by the user');
    expect(await readFile(join(out, 'notes.md'), 'utf8')).toBe('my notes');
    expect(written.kept.sort()).toEqual(['figures/mine.png', 'notes.md']);
    expect(await hidden(root)).toEqual([]);
  });

  it('writes into an empty folder but never replaces a folder that holds something else', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await writeReport(empty, tinyDocument());
    const precious = join(root, 'precious');
    await mkdir(precious);
    await writeFile(join(precious, 'thesis.tex'), 'years of work');
    await expect(writeReport(precious, tinyDocument())).rejects.toThrow(
      /is not empty and was not written by fmnist/,
    );
    // A file named like a report's does not make a folder a report.
    await writeFile(join(precious, 'results.json'), '{}');
    await expect(writeReport(precious, tinyDocument())).rejects.toThrow(
      /is not empty and was not written by fmnist/,
    );
    expect(await readFile(join(precious, 'thesis.tex'), 'utf8')).toBe('years of work');
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    await expect(writeReport(file, tinyDocument())).rejects.toThrow(/not a folder/);
    expect(await hidden(root)).toEqual([]);
  });

  it('writes attachments with the report, in one swap: a later report without them drops them', async () => {
    const out = join(root, 'attached');
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const written = await writeReport(out, tinyDocument('With models'), {
      attachments: [
        { path: 'models/base/model.json', content: '{}' },
        { path: 'models/base/group1-shard1of1.bin', content: bytes },
      ],
    });
    expect(written.files).toContain('models/base/model.json');
    expect(written.files.at(-1)).toBe('report.html');
    expect(await readFile(join(out, 'models/base/model.json'), 'utf8')).toBe('{}');
    expect(new Uint8Array(await readFile(join(out, 'models/base/group1-shard1of1.bin')))).toEqual(
      bytes,
    );
    await writeReport(out, tinyDocument('Without'));
    expect(await readdir(out)).not.toContain('models');
    expect(await hidden(root)).toEqual([]);
  });

  it("gives the report folder the mode a new folder gets (not mkdtemp's 0700)", async () => {
    const out = join(root, 'mode');
    const umask = process.umask(0o022);
    try {
      await writeReport(out, tinyDocument());
      expect((await stat(out)).mode & 0o777).toBe(0o755);
      await writeReport(out, tinyDocument('again'));
      expect((await stat(out)).mode & 0o777).toBe(0o755);
    } finally {
      process.umask(umask);
    }
  });

  it('refuses attachment paths that leave the folder, clash with the report or repeat', async () => {
    const out = join(root, 'bad-attachments');
    const attach = (...paths: string[]) =>
      writeReport(out, tinyDocument(), {
        attachments: paths.map((path) => ({ path, content: '' })),
      });
    await expect(attach('../escape')).rejects.toThrow(/not a plain relative path/);
    await expect(attach('/etc/x')).rejects.toThrow(/not a plain relative path/);
    await expect(attach('models//x')).rejects.toThrow(/not a plain relative path/);
    await expect(attach('report.html')).rejects.toThrow(/not a plain relative path/);
    await expect(attach('figures/a.png')).rejects.toThrow(/not a plain relative path/);
    await expect(attach('m/a', 'm/a')).rejects.toThrow(/two attachments are named "m\/a"/);
    expect(await readdir(root)).not.toContain('bad-attachments');
  });

  it('refuses figure names that are not file names, or used twice, or without content', async () => {
    const out = join(root, 'bad-names');
    const withFigure = (name: string, twice = false, empty = false): ReportDocument => {
      const figure = { type: 'figure' as const, name, ...(empty ? {} : { svg: '<svg/>' }) };
      return {
        ...tinyDocument(),
        sections: [{ heading: 'h', blocks: twice ? [figure, figure] : [figure] }],
      };
    };
    await expect(writeReport(out, withFigure('../escape'))).rejects.toThrow(ReportInputError);
    await expect(writeReport(out, withFigure('a b'))).rejects.toThrow(/cannot be a file name/);
    await expect(writeReport(out, withFigure('twin', true))).rejects.toThrow(
      /two figures are named "twin"/,
    );
    await expect(writeReport(out, withFigure('blank', false, true))).rejects.toThrow(
      /neither svg nor png/,
    );
    expect(await readdir(root)).not.toContain('bad-names');
  });

  it('clears half-written folders left by killed runs, but not those of live ones', async () => {
    const parent = join(root, 'stale');
    await mkdir(parent);
    const key = createHash('sha256').update('report').digest('hex').slice(0, 12);
    // Process ids above the kernel's pid_max (4194304 at most) can never be alive.
    await mkdir(join(parent, `.fmnist-new-${key}-99999999-0123abcd`));
    await mkdir(join(parent, `.fmnist-new-${key}-${process.pid}-0123abcd`));
    await writeReport(join(parent, 'report'), tinyDocument());
    expect((await readdir(parent)).sort()).toEqual([
      `.fmnist-new-${key}-${process.pid}-0123abcd`,
      'report',
    ]);
  });
});
