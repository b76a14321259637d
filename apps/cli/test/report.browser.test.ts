// The report as a reader sees it: a quick study (--limit 2000 --epochs 2) written into a temp
// folder, opened in headless Chromium. Every image must load, nothing may log an error, and
// every section must be there. A screenshot is kept (path printed) to look at.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, fmnist, launchChromium, type Run } from './helpers.js';

const DATA = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const skipReason = !existsSync(CHROMIUM)
  ? `skipped: ${CHROMIUM} is missing (apt-get install chromium)`
  : !existsSync(DATA)
    ? `skipped: no Fashion-MNIST in ${DATA}`
    : '';
/** Where the screenshot is copied for people to look at (gitignored). */
const KEEP = fileURLToPath(new URL('../../../.test-results/', import.meta.url));

describe.skipIf(skipReason !== '')(
  `the study report in Chromium${skipReason ? ` (${skipReason})` : ''}`,
  () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fmnist-browser-')), 'report');
    let run: Run;
    let browser: Browser;

    beforeAll(async () => {
      run = await fmnist([
        'study',
        '--json',
        '--limit',
        '2000',
        '--epochs',
        '2',
        '--out',
        out,
        '--data-dir',
        '/usr/share/datasets/fashion-mnist',
      ]);
      browser = await launchChromium();
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('--json printed the study document: data, part1, part2 in SPEC order, run', () => {
      expect(run.code, run.stderr).toBe(0);
      const json = JSON.parse(run.stdout);
      expect(Object.keys(json).slice(0, 3)).toEqual(['data', 'part1', 'part2']);
      expect(json.data.shapes.train.x).toEqual([2000, 28, 28]);
      expect(json.data.figures).toContain('figures/grid-original.png');
      expect(json.part1.models.map((m: { name: string }) => m.name)).toEqual(['top', 'bottom']);
      expect(json.part2.models.map((m: { name: string }) => m.name)).toEqual([
        'base',
        'early-stopping',
        'batch-norm',
        'dropout',
      ]);
      expect(json.part2.comparison).toHaveLength(4);
      expect(json.run.engine).toBe('custom');
      expect(json.run.peakMemoryBytes).toBeGreaterThan(0);
      expect(json.report.files).toContain('report.html');
    });

    it('opens with every image loaded, no console errors, every section, and a screenshot', async () => {
      expect(run.code, run.stderr).toBe(0);
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(pathToFileURL(join(out, 'report.html')).href, { waitUntil: 'load' });

      const images = await page.$$eval('img', (imgs) =>
        imgs.map((img) => ({
          alt: img.alt,
          loaded: img.complete && img.naturalWidth > 0,
        })),
      );
      // The data figures (7), the two diagrams, six training curves, two disagreement grids.
      expect(images.length).toBeGreaterThanOrEqual(17);
      expect(images.filter((i) => !i.loaded)).toEqual([]);

      const headings = await page.$$eval('h2, h3, h4', (hs) => hs.map((h) => h.textContent ?? ''));
      for (const heading of [
        'Data',
        'Load and split',
        'Class distribution',
        'Pixel range and scaling',
        'Crops: top and bottom halves',
        'The first 20 training images',
        'Part 1: which half of the image carries the information',
        'Models',
        'Training: top, then bottom from the same initial weights',
        'Trained on the top half (rows 0-13)',
        'Trained on the bottom half (rows 14-27)',
        'Top vs bottom, class by class',
        'Disagreements',
        'Part 2: regularisation on the top half',
        'Base: Dense 128 -> 64 -> 32',
        'Early stopping (patience 3, best weights restored)',
        'Batch normalisation after each hidden Dense',
        'Dropout(0.5) after each hidden Dense',
        'The four compared',
        'Inside each model',
      ]) {
        expect(headings).toContain(heading);
      }
      const pre = await page.$$eval('pre', (ps) => ps.map((p) => p.textContent ?? ''));
      expect(pre.filter((t) => t.includes('weighted avg'))).toHaveLength(6);
      expect(pre.filter((t) => t.startsWith('Model: '))).toHaveLength(6);
      expect(errors).toEqual([]);

      // The explain pages it links to: one per model, each opening with its weight images.
      const report = pathToFileURL(join(out, 'report.html'));
      const links = (
        await page.$$eval('a[href$="report.html"]', (as) => as.map((a) => a.getAttribute('href')))
      ).map((href) => new URL(href ?? '', report).href);
      expect(links).toHaveLength(6);
      for (const href of links) {
        const explain = await browser.newPage();
        explain.on('pageerror', (error) => errors.push(`${href}: ${error.message}`));
        await explain.goto(href, { waitUntil: 'load' });
        const loaded = await explain.$$eval('img', (imgs) =>
          imgs.map((img) => img.complete && img.naturalWidth > 0),
        );
        expect(loaded.length, href).toBeGreaterThan(0);
        expect(loaded.every(Boolean), href).toBe(true);
        await explain.close();
      }
      expect(errors).toEqual([]);

      const screenshot = join(out, '..', 'report.png');
      await page.screenshot({ path: screenshot, fullPage: false });
      mkdirSync(KEEP, { recursive: true });
      copyFileSync(screenshot, join(KEEP, 'report-screenshot.png'));
      await page
        .locator('#part-1-which-half-of-the-image-carries-the-information')
        .scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(KEEP, 'report-part1.png') });
      await page.close();
    });
  },
);
