// `fmnist lab` as a user meets it: the server started on a free port, the page opened in
// headless Chromium (Debian's), a model trained in it. The page must log no error and ask
// nothing of any host but 127.0.0.1; its test accuracy must match Node's `js` backend on the
// same seed and subset; screenshots at a laptop's and a phone's viewport are kept in
// .test-results/ to look at. Also: a port in use and missing data, one line each.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '@fmnist/core';
import { CLASS_NAMES, features } from '@fmnist/data';
import { loadFashionMnist } from '@fmnist/data/node';
import { Sequential } from '@fmnist/nn';
import { classificationMetrics } from '@fmnist/reports/classification';
import { CustomStudyEngine, planJobs, StudyTrainer } from '@fmnist/study/training';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, fmnist, launchChromium, MAIN } from './helpers.js';

const DATA_DIR = '/usr/share/datasets/fashion-mnist';
const skipReason = !existsSync(CHROMIUM)
  ? `skipped: ${CHROMIUM} is missing (apt-get install chromium)`
  : !existsSync(`${DATA_DIR}/train-images-idx3-ubyte.gz`)
    ? `skipped: no Fashion-MNIST in ${DATA_DIR}`
    : '';
const KEEP = fileURLToPath(new URL('../../../.test-results/', import.meta.url));

/** Starts `fmnist lab --port 0`; resolves with the URL it prints. */
function startLab(): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [MAIN, 'lab', '--port', '0', '--data-dir', DATA_DIR], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)?.[1];
      if (url) resolve({ child, url, stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`fmnist lab exited (${code}): ${stderr}`)));
  });
}

/** Clicks the editor's download button; the file's path (or, with `text`, its text). */
async function download(page: Page, dir: string): Promise<string>;
async function download(page: Page, dir: string, text: true): Promise<string>;
async function download(page: Page, dir: string, text = false): Promise<string> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid=download-experiment]'),
  ]);
  const path = join(dir, file.suggestedFilename());
  await file.saveAs(path);
  return text ? readFileSync(path, 'utf8') : path;
}

/** What Node's js backend gets for the same job, seed and subset. */
async function nodeAccuracy(
  model: 'top' | 'bottom' | 'base' | 'dropout',
  limit: number,
  epochs: number,
  seed: number,
) {
  const data = await loadFashionMnist({ dataDir: DATA_DIR, limit, download: false });
  const job = planJobs(['part1', 'part2'], { model, epochs })[0]!;
  const sets = {
    train: features(data.train, job.crop),
    validation: features(data.validation, job.crop),
    test: features(data.test, job.crop),
  };
  const trainer = new StudyTrainer(new CustomStudyEngine(new JsBackend(), 'test'));
  const trained = await trainer.train(job, { seed, sets: () => sets });
  trainer.dispose();
  return classificationMetrics(sets.test.y, trained.predictions, CLASS_NAMES).accuracy;
}

describe.skipIf(skipReason !== '')(
  `fmnist lab in Chromium${skipReason ? ` (${skipReason})` : ''}`,
  () => {
    let lab: Awaited<ReturnType<typeof startLab>>;
    let browser: Browser;
    const consoleErrors: string[] = [];
    const foreign: string[] = [];

    beforeAll(async () => {
      lab = await startLab();
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      lab?.child.kill('SIGTERM');
    });

    /** A new page at 1280x800 that records console errors and foreign requests. */
    async function openLab(query = '') {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith(lab.url) && !r.url().startsWith('data:')) foreign.push(r.url());
      });
      await page.goto(`${lab.url}${query}`);
      return page;
    }

    /** Waits for the run's end: the 'done' message, or a failure in #message. */
    const RUN_ENDED =
      "document.querySelector('#accuracy').dataset.done === 'true' || document.querySelector('#message').textContent !== ''";

    it.each([
      ['top', 2000, 1],
      ['base', 2000, 2],
      ['dropout', 2000, 1],
    ] as const)(
      'trains %s on %i images for %i epoch(s) in the page on gpujs:gl (webgl2); test accuracy within 0.5 points of Node; checks pass',
      async (model, limit, epochs) => {
        const page = await openLab();
        await page.selectOption('#model', model);
        // The device-resident mode, picked in the form (on SwiftShader the measurement would not).
        await page.selectOption('#backend-choice', 'gpujs:gl');
        await page.fill('#seed', '42');
        await page.fill('#limit', String(limit));
        await page.fill('#epochs', String(epochs));
        // Keyboard reachable: the Train button is focused and pressed with Enter.
        await page.focus('#train');
        await page.keyboard.press('Enter');
        // A string: the test's own types have no DOM.
        await page.waitForFunction(RUN_ENDED, null, { timeout: 240_000 });
        expect(await page.textContent('#message')).toBe('');
        const accuracy = Number(await page.getAttribute('#accuracy', 'data-value'));
        // The device-resident mode on WebGL2, and the device WebGL reports (SwiftShader here).
        const backend = await page.textContent('#backend');
        expect(backend).toBe('gpujs:gl on webgl2');
        const device = (await page.textContent('#backend-detail')) ?? '';
        expect(device).toMatch(/SwiftShader/i);
        const report = await page.textContent('#report');
        expect(report).toContain('weighted avg');
        expect(report).toContain('Ankle boot');
        // Inside the first Dense layer: its weights drawn as tiles, the layer's own formula.
        expect(await page.textContent('#weights-note')).toMatch(
          new RegExp(`^32 of 128 units, 14x28 each; epoch ${epochs}, step \\d+\\.$`),
        );
        expect(await page.textContent('#weights-stats')).toMatch(/^W \(392x128\): mean /);
        expect(await page.textContent('#formula-text')).toContain('Dense: a fully connected layer');
        // Inside a layer: output and gradients of the picked layer on a batch of 32.
        for (const id of ['#layer-output', '#layer-grad-out', '#layer-grad-in'])
          expect(await page.textContent(id)).toMatch(/^mean -?\d/);
        const layers = await page.$$eval('#layer option', (os) => os.map((o) => o.textContent));
        expect(layers.length).toBeGreaterThanOrEqual(3);
        // A click on a block of the network picture opens that layer in the views.
        await page.click('[data-testid=network] .layer-block[data-layer="dense_1"]');
        expect(await page.inputValue('#layer')).toBe('dense_1');
        expect(await page.getAttribute('.layer-block[data-layer="dense_1"]', 'class')).toContain(
          'selected',
        );
        // explain's finite-difference check, on demand, on the trained weights.
        await page.click('#check');
        await page.waitForSelector('#check-result[data-passed]', { timeout: 60_000 });
        const check = await page.textContent('#check-result');
        expect(check).toMatch(/^passed: \d+ entries checked on a batch of 32/);
        expect(await page.getAttribute('#check-result', 'data-passed')).toBe('true');
        // The cross-check button: TF.js in the page, from the same weights.
        await page.click('#crosscheck');
        await page.waitForSelector('#crosscheck-result[data-passed]', { timeout: 120_000 });
        const cross = await page.textContent('#crosscheck-result');
        const crossTable = await page.textContent('#crosscheck-table');
        expect(cross, `${cross}\n${crossTable}`).toMatch(
          /^within tolerance: TensorFlow\.js on (webgl|wasm)/,
        );
        expect(await page.getAttribute('#crosscheck-result', 'data-passed')).toBe('true');
        expect(await page.$$eval('#crosscheck-table tbody tr', (rs) => rs.length)).toBeGreaterThan(
          3,
        );
        const node = await nodeAccuracy(model, limit, epochs, 42);
        expect(Math.abs(accuracy - node)).toBeLessThanOrEqual(0.005);
        const epochTimes = await page.textContent('#epoch-time');
        // For the note: what ran and how fast, printed with the test's output.
        console.log(
          `lab page ${model}: ${backend} (${device.slice(0, 160)}), seconds per epoch ${epochTimes}, test accuracy ${accuracy} (Node js: ${node}); ${check}; ${cross}`,
        );
        mkdirSync(KEEP, { recursive: true });
        const shot = `${KEEP}lab-${model}-1280x800.png`;
        await page.screenshot({ path: shot, fullPage: true });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.screenshot({ path: `${KEEP}lab-${model}-390x844.png`, fullPage: true });
        expect(existsSync(shot)).toBe(true);
        await page.close();
      },
      300_000,
    );

    it('runs Part 1 (top, then bottom) with a stop and a resume; its comparison table and disagreement images appear', async () => {
      const page = await openLab();
      await page.selectOption('#model', 'part1');
      // gpujs:gl on SwiftShader: slow enough that Stop lands in the middle of the run.
      await page.selectOption('#backend-choice', 'gpujs:gl');
      await page.fill('#seed', '7');
      await page.fill('#limit', '1000');
      await page.fill('#epochs', '1');
      await page.click('#train');
      // Stop as soon as a batch has run; the worker pauses between two batches.
      await page.waitForFunction(
        "/step [1-9]/.test(document.querySelector('#progress').textContent)",
        null,
        { timeout: 120_000 },
      );
      await page.click('#stop');
      await page.waitForFunction("!document.querySelector('#resume').disabled", null, {
        timeout: 60_000,
      });
      expect(await page.textContent('#progress')).toMatch(/^paused: /);
      const pausedAt = await page.textContent('#progress');
      await page.waitForTimeout(500);
      // Paused means paused: nothing moves while it is.
      expect(await page.textContent('#progress')).toBe(pausedAt);
      await page.click('#resume');
      await page.waitForFunction(RUN_ENDED, null, { timeout: 240_000 });
      expect(await page.textContent('#message')).toBe('');
      const comparison = (await page.textContent('#comparison')) ?? '';
      expect(comparison).toContain('Part 1: which half carries the information');
      expect(comparison).toContain('F1 top');
      expect(await page.$$eval('#comparison .thumbs canvas', (cs) => cs.length)).toBeGreaterThan(0);
      // The last model's accuracy is bottom's, and it equals Node's for the same seed.
      expect(await page.getAttribute('#accuracy', 'data-model')).toBe('bottom');
      const accuracy = Number(await page.getAttribute('#accuracy', 'data-value'));
      const node = await nodeAccuracy('bottom', 1000, 1, 7);
      expect(Math.abs(accuracy - node)).toBeLessThanOrEqual(0.005);
      mkdirSync(KEEP, { recursive: true });
      await page.screenshot({ path: `${KEEP}lab-part1-1280x800.png`, fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: `${KEEP}lab-part1-390x844.png`, fullPage: true });
      await page.close();
    }, 300_000);

    it('by default measures each gpu.js mode on the model and trains on the fastest: on SwiftShader, WebAssembly, with the software renderer named', async () => {
      const page = await openLab();
      await page.selectOption('#model', 'base');
      expect(await page.inputValue('#backend-choice')).toBe('auto');
      await page.fill('#seed', '42');
      await page.fill('#limit', '2000');
      await page.fill('#epochs', '1');
      await page.click('#train');
      await page.waitForFunction(RUN_ENDED, null, { timeout: 240_000 });
      expect(await page.textContent('#message')).toBe('');
      expect(await page.textContent('#backend')).toBe('gpujs:webasm');
      expect(await page.textContent('#backend-detail')).toMatch(
        /chosen by measurement: [\d.]+ ms per training step, the fastest of 2 that ran here$/,
      );
      const rows = await page.$$eval('#backend-measurements tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td, th')].map((td) => td.textContent ?? '')),
      );
      const gl = rows.find((r) => r[0]!.startsWith('gpujs:gl on webgl2'))!;
      const wasm = rows.find((r) => r[0] === 'gpujs:webasm')!;
      expect(gl[4]).toMatch(/^software renderer: .*SwiftShader/);
      expect(wasm[3]).toBe('yes');
      expect(Number(wasm[1])).toBeLessThan(Number(gl[1]));
      // The same numbers as Node for the same seed (a host mode: float32 like the js backend).
      const accuracy = Number(await page.getAttribute('#accuracy', 'data-value'));
      expect(Math.abs(accuracy - (await nodeAccuracy('base', 2000, 1, 42)))).toBeLessThanOrEqual(
        0.005,
      );
      // The confusion matrix (rows sum to each class's 1,000 test images) and the mistakes.
      const matrix = await page.$$eval('[data-testid="confusion-matrix"] tbody tr', (trs) =>
        trs.map((tr) =>
          [...tr.querySelectorAll('td')].slice(1).map((td) => Number(td.textContent)),
        ),
      );
      expect(matrix).toHaveLength(10);
      for (const row of matrix) expect(row.reduce((a, b) => a + b, 0)).toBe(1000);
      const diagonal = matrix.reduce((sum, row, i) => sum + row[i]!, 0);
      expect(diagonal / 10_000).toBeCloseTo(accuracy, 6);
      expect(await page.$$eval('[data-testid="mistakes"] canvas', (cs) => cs.length)).toBe(12);
      expect(await page.textContent('[data-testid="mistakes"]')).toMatch(
        /#\d+ [\w/ -]+ → [\w/ -]+ 0\.\d\d/,
      );
      // The trained model, downloaded as a browser saves it (both files into one folder), is read
      // by `fmnist predict`, which finds the page's test accuracy on the 10,000 test images.
      const folder = mkdtempSync(join(tmpdir(), 'lab-download-'));
      const links = await page.$$('[data-testid="download-model"] a');
      expect(links).toHaveLength(2);
      for (const link of links) {
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        await download.saveAs(join(folder, download.suggestedFilename()));
      }
      expect(readdirSync(folder).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
      const predicted = await fmnist(['predict', '--model', folder, '--json']);
      expect(predicted.code, predicted.stderr).toBe(0);
      expect(JSON.parse(predicted.stdout).test.accuracy).toBeCloseTo(accuracy, 3);
      const epochTimes = await page.textContent('#epoch-time');
      console.log(
        `lab page base, auto: ${JSON.stringify(rows)}; seconds per epoch ${epochTimes}; test accuracy ${accuracy}`,
      );
      mkdirSync(KEEP, { recursive: true });
      await page.screenshot({ path: `${KEEP}lab-auto-1280x800.png`, fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: `${KEEP}lab-auto-390x844.png`, fullPage: true });
      await page.close();
    }, 300_000);

    it('draws the network of the model picked, layer by layer; a click on a block shows its formula', async () => {
      const page = await openLab();
      const blocks = () =>
        page.$$eval('[data-testid=network] .layer-block', (bs) =>
          bs.map((b) => [b.getAttribute('data-layer'), b.textContent]),
        );
      for (const model of ['top', 'batch-norm'] as const) {
        await page.selectOption('#model', model);
        const job = planJobs(['part1', 'part2'], { model })[0]!;
        const built = new Sequential(job.spec, { backend: new JsBackend() });
        const drawn = await blocks();
        expect(drawn.map(([name]) => name)).toEqual(built.layers.map((l) => l.name));
        built.layers.forEach((layer, i) => {
          const text = drawn[i]![1]!;
          expect(text).toContain(layer.className);
          expect(text).toContain(`(None, ${layer.outputShape.join(', ')})`);
          expect(text).toContain(`${layer.countParams().toLocaleString('en-US')} params`);
        });
      }
      await page.click('.layer-block[data-layer="batch_normalization"]');
      expect(await page.inputValue('#formula')).toBe('BatchNormalization');
      expect(await page.textContent('#formula-text')).toContain('BatchNormalization');
      mkdirSync(KEEP, { recursive: true });
      await page.locator('section.inside').screenshot({ path: `${KEEP}lab-network.png` });
      await page.close();
    });

    it('edits your own model, checked as fmnist run checks a file; its link and its file give fmnist run the same numbers', async () => {
      const page = await openLab('?model=dropout&seed=5&limit=1000&backend=gpujs%3Awebasm');
      await page.selectOption('#model', 'experiment');
      // It starts from the model the form showed: dropout's three Dense and three Dropout.
      expect(await page.isVisible('[data-testid=editor]')).toBe(true);
      expect(await page.isVisible('#epochs')).toBe(false);
      expect(await page.inputValue('[data-testid=editor-name]')).toBe('my-dropout');
      expect(await page.$$eval('.editor-layer', (ls) => ls.length)).toBe(7);
      // Break it: the page says what `fmnist run` says of the same file, and will not train.
      const units = page.locator('[data-testid=editor-layer-0] input').first();
      await units.fill('0');
      const pageError = (await page.textContent('[data-testid=editor-error]')) ?? '';
      expect(pageError).toBe(
        'the lab’s experiment: models[0].layers[0].units: units must be at least 1',
      );
      expect(await page.isDisabled('#train')).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'lab-editor-'));
      const broken = await download(page, dir);
      const refused = await fmnist(['run', broken, '--out', join(dir, 'out')]);
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim()).toBe(
        `fmnist: ${pageError.replace('the lab’s experiment', broken)}`,
      );
      // Now a model of one's own: 32 units, a layer removed, one added and moved, RMSprop.
      await units.fill('32');
      expect(await page.textContent('[data-testid=editor-error]')).toBe('');
      await page.click('[aria-label="remove layer 2"]');
      await page.click('[data-testid=add-layer]');
      await page.selectOption('[aria-label="layer 6 type"]', 'batchNormalization');
      await page.click('[aria-label="move layer 6 up"]');
      await page.selectOption('[data-testid=editor-optimizer]', 'rmsprop');
      await page.fill('[data-testid=editor-epochs]', '1');
      await page.fill('[data-testid=editor-name]', 'mine');
      expect(await page.textContent('[data-testid=editor-error]')).toBe('');
      const drawn = await page.$$eval('[data-testid=network] .layer-block', (bs) =>
        bs.map((b) => b.getAttribute('data-layer')),
      );
      expect(drawn).toEqual([
        'flatten',
        'dense',
        'dense_1',
        'dropout',
        'dense_2',
        'batch_normalization',
        'dropout_1',
        'dense_3',
      ]);
      // The address holds it all: a link opens the same model.
      const link = page.url();
      expect(new URL(link).searchParams.get('model')).toBe('experiment');
      const file = await download(page, dir);
      const again = await browser.newPage();
      await again.goto(link);
      expect(await again.textContent('#message')).toBe('');
      expect(await again.inputValue('[data-testid=editor-name]')).toBe('mine');
      expect(await download(again, mkdtempSync(join(tmpdir(), 'lab-editor-again-')), true)).toBe(
        readFileSync(file, 'utf8'),
      );
      await again.close();
      // Trained here on WebAssembly, and by `fmnist run` on the downloaded file: the same numbers.
      await page.click('#train');
      await page.waitForFunction(RUN_ENDED, null, { timeout: 240_000 });
      expect(await page.textContent('#message')).toBe('');
      expect(await page.textContent('#backend')).toBe('gpujs:webasm');
      const accuracy = Number(await page.getAttribute('#accuracy', 'data-value'));
      const run = await fmnist(
        ['run', file, '--limit', '1000', '--no-explain', '--json', '--out', join(dir, 'run')],
        { FMNIST_BACKEND: 'gpujs:webasm', FASHION_MNIST_DIR: DATA_DIR },
      );
      expect(run.code, run.stderr).toBe(0);
      const [model] = JSON.parse(run.stdout).models;
      expect(model.name).toBe('mine');
      expect(model.test.accuracy).toBe(accuracy);
      console.log(`lab editor: page and fmnist run on ${file}: test accuracy ${accuracy}`);
      // An experiment file opened in the page: all its models, each one to edit; a broken file
      // is refused with the line `fmnist run` prints, and the editor keeps what it had.
      const widths = fileURLToPath(new URL('../../../experiments/widths.json', import.meta.url));
      await page.setInputFiles('#open-experiment', widths);
      await page.waitForSelector('[data-testid=editor-model]');
      expect(await page.$$eval('[data-testid=editor-model] option', (os) => os.length)).toBe(3);
      expect(await page.textContent('#message')).toBe('');
      const bad = join(dir, 'bad.json');
      await writeFile(bad, '{ "name": "x", "models": [] }');
      await page.setInputFiles('#open-experiment', bad);
      await page.waitForFunction("document.querySelector('#message').textContent !== ''");
      const opened = await fmnist(['run', bad]);
      // The page knows the file by its name; the CLI by the path it was given.
      expect(`fmnist: ${await page.textContent('#message')}`).toBe(
        opened.stderr.trim().replace(bad, 'bad.json'),
      );
      expect(await page.$$eval('[data-testid=editor-model] option', (os) => os.length)).toBe(3);
      mkdirSync(KEEP, { recursive: true });
      await page.screenshot({ path: `${KEEP}lab-editor-1280x800.png`, fullPage: true });
      await page.close();
    }, 300_000);

    it('steps one batch at a time, layer by layer, as fmnist explain walks it; TF.js beside it on demand', async () => {
      const page = await openLab('?model=top&seed=42&limit=1000');
      const stepped = async (n: number) => {
        await page.click('[data-testid=step]');
        await page.waitForFunction(
          `document.querySelector('[data-testid=step-summary]').dataset.step === '${n}' || document.querySelector('#message').textContent !== ''`,
          null,
          { timeout: 120_000 },
        );
        expect(await page.textContent('#message')).toBe('');
        return (await page.textContent('[data-testid=step-summary]')) ?? '';
      };
      const first = await stepped(1);
      expect(first).toMatch(
        /^Step 1 of top from its seeded initial weights: loss \d\.\d{4}, \d+ of 32 right before the update; finite-difference check passed; TensorFlow\.js not asked\.$/,
      );
      const text = (await page.textContent('[data-testid=step-text]')) ?? '';
      for (const part of [
        '== Forward',
        '== Loss ==',
        '== Backward',
        '== Update ==',
        '== Checks ==',
      ])
        expect(text).toContain(part);
      // The very step `fmnist explain` takes: the same batch, weights and loss.
      const explain = await fmnist(['explain', '--model', 'top', '--no-reference', '--json'], {
        FASHION_MNIST_DIR: DATA_DIR,
      });
      expect(explain.code, explain.stderr).toBe(0);
      const loss = JSON.parse(explain.stdout).loss.value as number;
      expect(first).toContain(`loss ${loss.toFixed(4)},`);
      // On from there: a second step starts where the first left the weights.
      const second = await stepped(2);
      expect(second).toMatch(/^Step 2 of top from its seeded initial weights and the steps after/);
      expect(second).not.toContain(`loss ${loss.toFixed(4)},`);
      // TF.js beside it, on demand.
      await page.check('#step-reference');
      const third = await stepped(3);
      expect(third).toContain(
        'TensorFlow.js took the same step, within the cross-check’s tolerances',
      );
      expect(await page.getAttribute('[data-testid=step-summary]', 'data-passed')).toBe('true');
      // A block of the network picture opens its layer in the Step view too.
      await page.click('.layer-block[data-layer="dense_1"]');
      expect(await page.getAttribute('[data-testid=step-text]', 'data-layer')).toBe('dense_1');
      expect(await page.$eval('[data-testid=step-text]', (p) => p.scrollTop)).toBeGreaterThan(0);
      // Training goes on from where the steps left the model: its initial weights are those.
      expect(await page.isChecked('[data-testid=train-from-step]')).toBe(true);
      const after = await page.getAttribute('[data-testid=step-summary]', 'data-weights');
      await page.selectOption('#backend-choice', 'gpujs:webasm');
      await page.click('#train');
      await page.waitForFunction(RUN_ENDED, null, { timeout: 240_000 });
      expect(await page.textContent('#message')).toBe('');
      expect(await page.getAttribute('#accuracy', 'data-initial-weights')).toBe(after);
      expect(await page.isChecked('[data-testid=train-from-step]')).toBe(false);
      mkdirSync(KEEP, { recursive: true });
      await page.locator('section.step').screenshot({ path: `${KEEP}lab-step.png` });
      await page.close();
    }, 300_000);

    it('keeps the setup in the address: a link opens the same form, and a change rewrites the link', async () => {
      const page = await openLab(
        '?model=dropout&seed=7&limit=1500&epochs=2&backend=gpujs%3Awebasm',
      );
      const form = async () => ({
        model: await page.inputValue('#model'),
        seed: await page.inputValue('#seed'),
        limit: await page.inputValue('#limit'),
        epochs: await page.inputValue('#epochs'),
        backend: await page.inputValue('#backend-choice'),
      });
      expect(await form()).toEqual({
        model: 'dropout',
        seed: '7',
        limit: '1500',
        epochs: '2',
        backend: 'gpujs:webasm',
      });
      await page.fill('#seed', '11');
      await page.selectOption('#model', 'part1');
      const link = page.url();
      expect(new URL(link).search).toBe(
        '?model=part1&seed=11&limit=1500&epochs=2&backend=gpujs%3Awebasm',
      );
      // The copied link, opened afresh, is the same form; a mangled one keeps the defaults.
      const again = await browser.newPage();
      await again.goto(link);
      expect(await again.inputValue('#seed')).toBe('11');
      expect(await again.inputValue('#model')).toBe('part1');
      await again.goto(`${lab.url}?model=conv&seed=-3`);
      expect(await again.inputValue('#model')).toBe('top');
      expect(await again.inputValue('#seed')).toBe('42');
      await again.close();
      await page.close();
    });

    it('logged no console error and requested nothing from another host', () => {
      expect(consoleErrors).toEqual([]);
      expect(foreign).toEqual([]);
    });

    it('a port in use: one line saying so and what to do, exit 1', async () => {
      const blocker: Server = createServer();
      await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
      const port = (blocker.address() as { port: number }).port;
      const run = await fmnist(['lab', '--port', String(port), '--data-dir', DATA_DIR]);
      blocker.close();
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([
        `fmnist: Port ${port} on 127.0.0.1 is in use by another program. Choose another with --port N (--port 0 takes any free one).`,
      ]);
    });

    it('missing data: the data error before any server starts, exit 1', async () => {
      const run = await fmnist(['lab', '--port', '0', '--data-dir', '/nonexistent-fmnist-data']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('/nonexistent-fmnist-data');
      expect(run.stderr).not.toContain('serving');
    });

    it('a bad port is a usage error, exit 2', async () => {
      const run = await fmnist(['lab', '--port', '70000']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('65535');
    });
  },
);
