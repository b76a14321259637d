// `fmnist explain` for every model of the study, run through the command module on the real
// data: every finite-difference relative error under the stated bound, every engine-vs-reference
// difference within the cross-check's own tolerances, and the optimizer step as its formula says.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFashionMnist } from '@fmnist/data/node';
import { Sequential } from '@fmnist/nn';
import {
  EXPLAIN_MODELS,
  type ExplainResult,
  explainModel,
  GRADIENT_CHECK,
  relativeError,
  studyJobs,
} from '@fmnist/study';
import { TOLERANCES, type Tolerance } from '@fmnist/tf';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { memoryIo } from './helpers.js';

const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
const realData = existsSync(join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));

/** What the cross-check allows for a difference at this scale. */
function allowed(tolerance: Tolerance, scale: number): number {
  return tolerance.abs + tolerance.rel * scale;
}

async function explainJson(args: string[]): Promise<ExplainResult> {
  const { io, stdout, stderr } = memoryIo({});
  const code = await runCli(['explain', '--data-dir', SYSTEM_DIR, '--json', ...args], io);
  expect(code, stderr()).toBe(0);
  return JSON.parse(stdout()) as ExplainResult;
}

describe('the finite-difference check', () => {
  it('uses a relative error with an absolute floor, so a zero gradient is not a failure', () => {
    expect(relativeError(0, 0)).toBe(0);
    expect(relativeError(1e-12, -1e-12)).toBeLessThan(GRADIENT_CHECK.bound);
    expect(relativeError(0.5, 0.5 * (1 + 1e-7))).toBeCloseTo(1e-7, 12);
    // A wrong formula (a factor of 2 off) is far above the bound.
    expect(relativeError(0.01, 0.02)).toBeGreaterThan(0.1);
  });
});

describe.skipIf(!realData)('fmnist explain on the real data, every model of the study', () => {
  it.each(EXPLAIN_MODELS)('%s', async (model) => {
    const result = await explainJson(['--model', model, '--batch', '6']);
    const study = studyJobs().find((m) => m.name === model)!;
    expect(result.model).toBe(model);
    expect(result.crop).toBe(study.crop);
    expect(result.batch.shape).toEqual([6, 14, 28]);
    expect(result.layers.map((l) => l.className)[0]).toBe('Flatten');
    expect(result.layers).toHaveLength(study.spec.layers.length);

    // Every trainable weight was checked, and every relative error is under the bound.
    let entries = 0;
    for (const layer of result.layers) {
      expect(layer.source.path).toMatch(/^packages\/nn\/src\/layers\/[a-z-]+\.ts$/);
      expect(layer.source.formula?.length).toBeGreaterThan(2);
      for (const w of layer.weights.filter((w) => w.trainable)) {
        expect(w.gradientCheck.length, w.name).toBeGreaterThan(0);
        for (const e of w.gradientCheck) {
          if (e.kink) continue;
          entries++;
          expect(e.relativeError, `${w.name}${JSON.stringify(e.index)}`).toBeLessThan(
            GRADIENT_CHECK.bound,
          );
          expect(relativeError(e.analytic, e.numeric)).toBe(e.relativeError);
        }
      }
    }
    expect(result.gradientCheck.checked).toBe(entries);
    expect(result.gradientCheck.maxRelativeError).toBeLessThan(GRADIENT_CHECK.bound);

    // Engine against TensorFlow.js, held to the cross-check's own tolerances (imported).
    expect(result.reference).not.toBeNull();
    for (const layer of result.layers) {
      const out = layer.output.reference!;
      expect(out.maxAbs, `${layer.name} output`).toBeLessThanOrEqual(
        allowed(TOLERANCES.activations, out.scale),
      );
      for (const w of layer.weights.filter((w) => w.trainable)) {
        const d = w.reference!;
        expect(d.maxAbs, `${w.name} gradient`).toBeLessThanOrEqual(
          allowed(TOLERANCES.gradients, d.scale),
        );
      }
    }
    const loss = result.loss.difference!;
    expect(loss.maxAbs).toBeLessThanOrEqual(allowed(TOLERANCES.loss, loss.scale));
    const perStep =
      result.optimizer.type === 'adam'
        ? TOLERANCES.weightsAfterAdamPerStep
        : TOLERANCES.weightsAfterSgdPerStep;
    for (const r of result.optimizer.reference!) {
      expect(r.maxAbs, `${r.weight} after the step`).toBeLessThanOrEqual(allowed(perStep, r.scale));
    }
    expect(result.referenceOk).toBe(true);

    // The optimizer step: the engine moved each weight as the formula says (float32 rounding).
    expect(result.optimizer.type).toBe(study.optimizer.type);
    for (const e of result.optimizer.entries) {
      const roundoff = 2 ** -23 * Math.max(Math.abs(e.w), Math.abs(e.w + e.deltaEngine));
      expect(Math.abs(e.deltaEngine - e.deltaFormula), `${e.weight}`).toBeLessThanOrEqual(
        roundoff + 1e-6 * Math.abs(e.deltaFormula),
      );
      if (result.optimizer.type === 'adam') {
        // Bias correction at t = 1 gives back g and g² exactly (up to rounding).
        expect(e.mHat).toBeCloseTo(e.g, 12);
        expect(e.vHat!).toBeCloseTo(e.g * e.g, 12);
      }
    }
  });
});

describe.skipIf(!realData)('the walk computes what training computes', () => {
  it('its float32 gradients equal Sequential.step (apply: false) bit for bit', async () => {
    const data = await loadFashionMnist({ dataDir: SYSTEM_DIR, download: false, limit: 64 });
    for (const name of ['base', 'batch-norm'] as const) {
      const { result } = await explainModel({
        model: name,
        data,
        seed: 7,
        batchSize: 5,
        reference: false,
      });
      const study = studyJobs().find((m) => m.name === name)!;
      const model = new Sequential(study.spec, { seed: 7 });
      model.compile({ optimizer: study.optimizer });
      const width = 14 * 28;
      const x = new Float32Array(5 * width);
      for (let i = 0; i < 5 * width; i++) {
        const image = Math.floor(i / width);
        const j = i % width;
        x[i] = data.train.pixels[image * 784 + j]! / 255;
      }
      model.step(x, result.batch.labels, { apply: false }).loss;
      const grads = new Map(model.trainableWeights.map((w) => [w.name, w]));
      for (const layer of result.layers) {
        for (const w of layer.weights.filter((w) => w.trainable)) {
          const weight = grads.get(w.name)!;
          for (const e of w.gradientCheck) {
            const flat = e.index.reduce((acc, k, d) => acc * weight.shape[d]! + k, 0);
            expect(e.engine, `${w.name}${JSON.stringify(e.index)}`).toBe(weight.grad![flat]);
          }
        }
      }
      expect(result.reference).toBeNull();
      expect(result.referenceOk).toBeNull();
      expect(result.weights).toBe('initial');
      model.dispose();
    }
  });
});

describe.skipIf(!realData)('explaining given weights (a trained model)', () => {
  it('uses them, and says so', async () => {
    const data = await loadFashionMnist({ dataDir: SYSTEM_DIR, download: false, limit: 16 });
    const study = studyJobs().find((m) => m.name === 'top')!;
    const other = new Sequential(study.spec, { seed: 12345 });
    const weights = other.getWeights();
    const { result, arrays } = await explainModel({
      model: 'top',
      data,
      seed: 42,
      batchSize: 4,
      reference: false,
      weights,
    });
    expect(result.weights).toBe('given');
    expect(Array.from(arrays.firstKernel!.values)).toEqual(Array.from(weights[0]!));
    other.dispose();
  });
});

describe.skipIf(!realData)('fmnist explain as text', () => {
  async function explainText(args: string[]) {
    const { io, stdout, stderr } = memoryIo({});
    const code = await runCli(['explain', '--data-dir', SYSTEM_DIR, ...args], io);
    return { code, stdout: stdout(), stderr: stderr() };
  }

  it('prints every layer forward then backward, and every printed relative error is under the bound', async () => {
    const run = await explainText(['--model', 'dropout', '--batch', '4', '--no-reference']);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    const forward = out.indexOf('== Forward');
    const loss = out.indexOf('== Loss');
    const backward = out.indexOf('== Backward');
    const update = out.indexOf('== Update');
    expect(forward).toBeGreaterThan(0);
    expect(loss).toBeGreaterThan(forward);
    expect(backward).toBeGreaterThan(loss);
    expect(update).toBeGreaterThan(backward);
    expect(out).toContain('[3/8] dropout (Dropout)    packages/nn/src/layers/dropout.ts');
    expect(out).toContain(
      '| forward, training:   keep_i ~ Bernoulli(1 − rate)   y = x ⊙ keep / (1 − rate)',
    );
    expect(out).toContain('(the same maths as the Dense layer above)');
    expect(out).toContain('Reference: not run.');
    // Rows of the gradient tables: entry, analytic, finite difference, relative error, ...
    // A row marked "(ReLU kink)" is not held to the bound (see GRADIENT_CHECK).
    const rows = [...out.matchAll(/^ {4}\[[\d, ]+\] +(\S+) +(\S+) +(\S+)(.*)$/gm)];
    expect(rows.length).toBe(8 * GRADIENT_CHECK.entriesPerWeight);
    const errors = rows.filter((m) => !m[4]!.includes('(ReLU kink)')).map((m) => Number(m[3]));
    expect(errors.length).toBeGreaterThan(rows.length / 2);
    for (const e of errors) {
      expect(Number.isFinite(e)).toBe(true);
      expect(e).toBeLessThan(GRADIENT_CHECK.bound);
    }
    expect(out).toMatch(
      /largest relative error \S+ \(bound 1\.0e-4, absolute floor 1\.0e-6\) {2}ok/,
    );
  });

  it('--layer shows one layer, or the loss, or the optimizer step', async () => {
    const one = await explainText([
      '--model',
      'top',
      '--batch',
      '4',
      '--layer',
      'dense_1',
      '--no-reference',
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('[3/4] dense_1 (Dense, relu)    packages/nn/src/layers/dense.ts');
    expect(one.stdout).not.toContain('[2/4] dense (Dense, relu)');
    expect(one.stdout).not.toContain('== Loss');
    const step = await explainText([
      '--model',
      'top',
      '--batch',
      '4',
      '--layer',
      'optimizer',
      '--no-reference',
    ]);
    expect(step.stdout).toContain('One SGD step (learningRate 0.0001), t = 1');
    expect(step.stdout).toContain('Δw = −lr·g');
    expect(step.stdout).not.toContain('== Forward');
  });

  it('an unknown layer is a usage error that lists the layers', async () => {
    const run = await explainText(['--model', 'base', '--layer', 'dense_9']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(
      "Model base has no layer 'dense_9'; use one of flatten, dense, dense_1, dense_2, dense_3, loss, optimizer.",
    );
  });

  it('--help names the default model and why', async () => {
    const run = await explainText(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('The default model is batch-norm');
    expect(run.stdout).toContain('--html [dir]');
  });

  it('--html writes the page and --json says where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-explain-html-'));
    const run = await explainText([
      '--model',
      'top',
      '--batch',
      '4',
      '--no-reference',
      '--json',
      '--html',
      dir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.html).toBe(join(dir, 'top', 'report.html'));
    const html = readFileSync(json.html, 'utf8');
    expect(html).toContain('id="figure-weights-first-dense"');
    expect(html).toContain('dW = xᵀ·dz');
  });
});
