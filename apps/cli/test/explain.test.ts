// `fmnist explain` for every model of the study, run through the command module on the real
// data: every finite-difference relative error under the stated bound, every engine-vs-reference
// difference within the cross-check's own tolerances, and the optimizer step as its formula says.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadFashionMnist } from '@fmnist/data';
import { Sequential } from '@fmnist/nn';
import { crosscheckStudyModels, TOLERANCES, type Tolerance } from '@fmnist/tf';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import {
  EXPLAIN_MODELS,
  type ExplainResult,
  explainModel,
  GRADIENT_CHECK,
  relativeError,
} from '../src/explain/index.js';
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
    const study = crosscheckStudyModels().find((m) => m.name === model)!;
    expect(result.model).toBe(model);
    expect(result.variant).toBe(study.variant);
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
  it('its float32 gradients equal Sequential.computeGradients bit for bit', async () => {
    const data = await loadFashionMnist({ dataDir: SYSTEM_DIR, download: false, limit: 64 });
    for (const name of ['base', 'batch-norm'] as const) {
      const { result } = await explainModel({
        model: name,
        data,
        seed: 7,
        batchSize: 5,
        reference: false,
      });
      const study = crosscheckStudyModels().find((m) => m.name === name)!;
      const model = new Sequential(study.spec, { seed: 7 });
      model.compile({ optimizer: study.optimizer });
      const width = 14 * 28;
      const x = new Float32Array(5 * width);
      for (let i = 0; i < 5 * width; i++) {
        const image = Math.floor(i / width);
        const j = i % width;
        x[i] = data.train.pixels[image * 784 + j]! / 255;
      }
      model.computeGradients(x, result.batch.labels);
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
      model.dispose();
    }
  });
});
