// The explain page as a reader sees it: batch-norm's page files (what the study carries inside
// its report folder) written with a report, opened in headless Chromium. Every image must load (the first Dense layer's
// weights among them), nothing may log an error, and a screenshot is kept to look at.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadFashionMnist } from '@fmnist/data/node';
import { writeReport } from '@fmnist/reports/node';
import { explainLink, explainPageFiles } from '@fmnist/study/report';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium } from './helpers.js';

const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
const skipReason = !existsSync(CHROMIUM)
  ? `skipped: ${CHROMIUM} is missing (apt-get install chromium)`
  : !existsSync(join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz'))
    ? `skipped: no Fashion-MNIST in ${SYSTEM_DIR}`
    : '';
/** Where the screenshot is copied for people to look at (gitignored). */
const KEEP = fileURLToPath(new URL('../../../.test-results/', import.meta.url));

interface ImageState {
  id: string;
  naturalWidth: number;
  complete: boolean;
}

describe('explain page paths', () => {
  it('sit inside the study report, which links to them relatively, whatever --out is', () => {
    expect(explainLink('batch-norm')).toBe('explain/batch-norm/report.html');
  });
});

describe.skipIf(skipReason !== '')(
  `the explain page in Chromium${skipReason ? ` (${skipReason})` : ''}`,
  () => {
    const reportDir = join(mkdtempSync(join(tmpdir(), 'fmnist-explain-')), 'report');
    let page: string;
    let browser: Browser;

    beforeAll(async () => {
      const data = await loadFashionMnist({ dataDir: SYSTEM_DIR, download: false, limit: 64 });
      const attachments = await explainPageFiles('batch-norm', { data, seed: 42, batchSize: 16 });
      await writeReport(
        reportDir,
        { title: 'study', metadata: { engine: 'custom', backend: 'js', seed: 42 }, sections: [] },
        { attachments },
      );
      page = join(reportDir, explainLink('batch-norm'));
      browser = await launchChromium();
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('is written where the study links to it, its own figures beside it', () => {
      expect(existsSync(page)).toBe(true);
      expect(existsSync(join(dirname(page), 'figures'))).toBe(true);
      expect(existsSync(join(dirname(page), 'results.json'))).toBe(true);
      const results = JSON.parse(readFileSync(join(dirname(page), 'results.json'), 'utf8'));
      expect(results.model).toBe('batch-norm');
    });

    it('opens with every image loaded, the weight images among them, no console errors', async () => {
      const tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      tab.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      tab.on('pageerror', (error) => errors.push(error.message));
      tab.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
      await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
      // A string, so this file needs no DOM types: the page's own images and their state.
      const images = (await tab.evaluate(`Array.from(document.images, (img) => ({
        id: img.closest('figure')?.id ?? '',
        naturalWidth: img.naturalWidth,
        complete: img.complete,
      }))`)) as ImageState[];
      const ids = images.map((i) => i.id);
      expect(ids).toContain('figure-weights-first-dense');
      expect(ids).toContain('figure-gradients-first-dense');
      expect(ids).toContain('figure-batchnorm-batch_normalization');
      expect(ids.filter((id) => id.startsWith('figure-histogram-'))).toHaveLength(8);
      for (const image of images) {
        expect(image.complete, image.id).toBe(true);
        expect(image.naturalWidth, image.id).toBeGreaterThan(0);
      }
      const text = (await tab.evaluate('document.body.innerText')) as string;
      expect(text).toContain('dx = γ / (B · sqrt(σ² + ε)) · (B·dy − dβ − x̂ · dγ)');
      expect(text).toContain('One optimizer step');
      const shot = join(dirname(page), 'screenshot.png');
      await tab.locator('#figure-weights-first-dense').scrollIntoViewIfNeeded();
      await tab.screenshot({ path: shot, fullPage: false });
      mkdirSync(KEEP, { recursive: true });
      copyFileSync(shot, join(KEEP, 'explain-page.png'));
      console.log(`explain page screenshot: ${shot} (copy in ${KEEP}explain-page.png)`);
      expect(errors).toEqual([]);
      await tab.close();
    });
  },
);
