/**
 * The saved models are TensorFlow.js's own format, proven with TensorFlow.js itself:
 * - each of the study's six models, trained briefly by the custom engine and saved, is read by
 *   `tf.loadLayersModel` (through tfjs-core's own model.json parser), and its probabilities on
 *   the 10,000 test images agree with the custom engine's;
 * - a model built, trained and saved by TF.js (`tf.sequential`, its own automatic layer names,
 *   `model.save`) loads into the custom engine with the same predictions.
 * Needs the real dataset (CI installs it); skipped by name without it.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '@fmnist/core';
import { Sequential } from '@fmnist/nn';
import { loadModel, MODEL_JSON, saveModel } from '@fmnist/nn/node';
import { initTfBackend } from '@fmnist/tf';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { experimentJobs } from '../src/experiment/jobs.js';
import { parseExperiment } from '../src/experiment/load.js';
import { type ModelJob, studyJobs } from '../src/models.js';
import { haveFashionMnist, loadSubset, type Subset } from './helpers/fashion.js';

const PROBABILITY_TOLERANCE = 1e-5;

/** A folder as TF.js's file:// handler (tfjs-node) reads it: model.json, then its shards. */
function fileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) =>
          group.paths.map((p) => {
            const bytes = readFileSync(join(dir, p));
            return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
          }),
        );
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** How far two sets of probabilities are apart, and the rows whose argmax differs. */
function agreement(a: Float32Array, b: Float32Array, classes = 10) {
  let maxDiff = 0;
  const differing: number[] = [];
  let ties = 0;
  for (let row = 0; row < a.length / classes; row++) {
    let ai = 0;
    let bi = 0;
    for (let c = 0; c < classes; c++) {
      const i = row * classes + c;
      maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      if (a[i]! > a[row * classes + ai]!) ai = c;
      if (b[i]! > b[row * classes + bi]!) bi = c;
    }
    if (ai !== bi) {
      // An exact tie within the tolerance may fall either way; anything else is a defect.
      const gap = Math.abs(a[row * classes + ai]! - a[row * classes + bi]!);
      if (gap <= PROBABILITY_TOLERANCE) ties++;
      else differing.push(row);
    }
  }
  return { maxDiff, differing, ties };
}

describe.skipIf(!haveFashionMnist())(
  'TF.js Layers format, checked by TensorFlow.js (skipped without the Fashion-MNIST files)',
  () => {
    const sets = new Map<string, { train: Subset; test: Subset }>();
    beforeAll(async () => {
      await initTfBackend();
      for (const crop of ['top', 'bottom'] as const) {
        sets.set(crop, {
          train: loadSubset('train', 0, 1000, crop),
          test: loadSubset('t10k', 0, 10_000, crop),
        });
      }
    });

    // The study's six, and a model with each piece beyond them: trained with SGD momentum,
    // Nesterov and RMSprop, L2 weight decay, and sigmoid and tanh units.
    const experiment = (file: string) =>
      parseExperiment(
        readFileSync(new URL(`../../../experiments/${file}`, import.meta.url), 'utf8'),
        file,
      );
    const pick = (file: string, names: string[]) =>
      experimentJobs(experiment(file), { epochs: 1 }).filter((j) => names.includes(j.name));
    const smooth: ModelJob = {
      name: 'sigmoid-tanh-l2',
      crop: 'top',
      spec: {
        name: 'sigmoid-tanh-l2',
        inputShape: [14, 28],
        layers: [
          { type: 'flatten' },
          { type: 'dense', units: 32, activation: 'sigmoid', kernelRegularizer: { l2: 1e-3 } },
          { type: 'dense', units: 16, activation: 'tanh' },
          { type: 'dense', units: 10, activation: 'softmax', kernelRegularizer: { l2: 1e-4 } },
        ],
      },
      optimizer: { type: 'rmsprop', centered: true, momentum: 0.5 },
      epochs: 1,
      batchSize: 32,
    };
    const jobs = [
      ...studyJobs(1),
      ...pick('optimizers.json', ['momentum', 'nesterov', 'rmsprop']),
      ...pick('regularisation-continued.json', ['l2-1e-3']),
      smooth,
    ];
    for (const job of jobs) {
      it(`'${job.name}', saved by the custom engine, predicts the same 10,000 test images in tf.loadLayersModel`, async () => {
        const { train, test } = sets.get(job.crop as string)!;
        const model = new Sequential(job.spec, { seed: 42, backend: new JsBackend() });
        model.compile({ optimizer: job.optimizer });
        await model.fit(train.x, train.y, { epochs: 1, batchSize: job.batchSize, seed: 42 });
        const dir = join(mkdtempSync(join(tmpdir(), 'layers-')), job.name);
        await saveModel(model, dir);

        const loaded = await tfl.loadLayersModel(fileHandler(dir));
        expect(loaded.layers.map((l) => l.getClassName())).toEqual(
          model.layers.map((l) => l.className),
        );
        // Activations and the L2 regularizers as TF.js reads them back.
        job.spec.layers.forEach((layer, i) => {
          if (layer.type !== 'dense') return;
          const config = loaded.layers[i]!.getConfig();
          expect(config.activation).toBe(layer.activation);
          const regularizer = config.kernelRegularizer as { config?: { l2?: number } } | null;
          expect(regularizer?.config?.l2 ?? null).toBe(layer.kernelRegularizer?.l2 ?? null);
        });
        const input = tf.tensor(test.x, [10_000, ...test.shape]);
        const output = loaded.predict(input) as tf.Tensor;
        const theirs = (await output.data()) as Float32Array;
        tf.dispose([input, output]);
        loaded.dispose();
        const ours = model.predict(test.x);
        const { maxDiff, differing, ties } = agreement(ours, theirs);
        expect(maxDiff).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
        expect(differing).toEqual([]);
        expect(ties).toBeLessThan(5);
      });
    }

    it('a tf.sequential built, trained and saved by TF.js loads into the custom engine, same predictions', async () => {
      const { train, test } = sets.get('top')!;
      // TF.js's own automatic names (dense_Dense1, ...), its own initialisers and training.
      const model = tfl.sequential({
        layers: [
          tfl.layers.flatten({ inputShape: [14, 28] }),
          tfl.layers.dense({ units: 32, activation: 'relu', useBias: false }),
          tfl.layers.batchNormalization(),
          tfl.layers.dense({ units: 16, activation: 'relu' }),
          tfl.layers.dropout({ rate: 0.5 }),
          tfl.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      const xs = tf.tensor(train.x, [1000, 14, 28]);
      const ys = tf.tensor(Float32Array.from(train.y), [1000, 1]);
      await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 });
      tf.dispose([xs, ys]);

      // As tfjs-node's file:// handler writes it: model.json (weightsManifest pointing at
      // weights.bin) and weights.bin.
      const dir = join(mkdtempSync(join(tmpdir(), 'tfjs-saved-')), 'model');
      mkdirSync(dir);
      await model.save(
        tf.io.withSaveHandler(async (artifacts) => {
          writeFileSync(
            join(dir, 'weights.bin'),
            new Uint8Array(artifacts.weightData as ArrayBuffer),
          );
          writeFileSync(
            join(dir, MODEL_JSON),
            JSON.stringify({
              modelTopology: artifacts.modelTopology,
              format: artifacts.format,
              generatedBy: artifacts.generatedBy,
              convertedBy: artifacts.convertedBy,
              trainingConfig: artifacts.trainingConfig,
              weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
            }),
          );
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );

      const custom = await loadModel(dir, { backend: new JsBackend() });
      expect(custom.spec.layers.map((l) => l.type)).toEqual([
        'flatten',
        'dense',
        'batchNormalization',
        'dense',
        'dropout',
        'dense',
      ]);
      // The moving statistics moved in TF.js's training and came across.
      const movingMean = custom.weights.find((w) => w.name.endsWith('moving_mean'))!;
      expect(movingMean.value.some((v) => v !== 0)).toBe(true);
      const input = tf.tensor(test.x, [10_000, 14, 28]);
      const output = model.predict(input) as tf.Tensor;
      const theirs = (await output.data()) as Float32Array;
      tf.dispose([input, output]);
      model.dispose();
      const { maxDiff, differing } = agreement(custom.predict(test.x), theirs);
      expect(maxDiff).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
      expect(differing).toEqual([]);
    });
  },
);
