// `fmnist crosscheck` run as a user would, kept quick with --limit, --epochs and --model.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Sequential } from '@fmnist/nn';
import { studyJobs } from '@fmnist/study';
import { describe, expect, it } from 'vitest';
import { fmnist } from './helpers.js';

const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
const realData = existsSync(join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));

describe.skipIf(!realData)('fmnist crosscheck on the real files', () => {
  it('--json carries the layer-by-layer table and the side-by-side epochs of the chosen model', async () => {
    const run = await fmnist([
      'crosscheck',
      '--json',
      '--limit',
      '64',
      '--epochs',
      '1',
      '--model',
      'dropout',
      '--seed',
      '3',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.settings).toEqual({
      seed: 3,
      batchSize: 32,
      dropout: 'shared-mask',
      adam: 'keras3',
    });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(json.engines.tf.name);
    // By default the backend the study trains on: gpu.js, webasm here.
    expect(json.engines.custom.backend).toBe('gpujs:webasm');
    expect(json.models.map((m: { name: string }) => m.name)).toEqual(['dropout']);
    const [model] = json.models;
    // Every layer of the model, in order, by its Keras name (flatten, dense, dropout, dense_1, ...).
    const dropout = new Sequential(studyJobs().find((j) => j.name === 'dropout')!.spec);
    expect(dropout.layers).toHaveLength(8);
    expect(model.batch.layers.map((l: { layer: string }) => l.layer)).toEqual(
      dropout.layers.map((l) => l.name),
    );
    expect(model.batch.layers[1].gradients.map((g: { weight: string }) => g.weight)).toEqual([
      'dense/kernel',
      'dense/bias',
    ]);
    expect(model.batch.ok).toBe(true);
    expect(model.training).toHaveLength(1);
    const [epoch] = model.training;
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
      expect(Math.abs(epoch.gap[key])).toBeLessThan(1e-3);
    }
    expect(model.trainingVerdict).toEqual({ ok: true, problems: [] });
    expect(json.ok).toBe(true);
    expect(json.data).toEqual({ limit: 64, train: 64, validation: 64 });
    // Progress went to stderr, not into the JSON document.
    expect(run.stderr).toMatch(/dropout: epoch 1:/);
  });

  it('prints the tables as text, and rejects an unknown model in one line', async () => {
    const run = await fmnist(['crosscheck', '--limit', '32', '--epochs', '1', '--model', 'top']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^Cross-check: custom engine \(backend \S+\) vs TensorFlow\.js \(backend \S+\)/,
    );
    expect(run.stdout).toMatch(/== top \(top half; sgd\(lr=0\.0001\)\) ==/);
    expect(run.stdout).toMatch(/dense_2 \(Dense\) .* kernel .* ok/);
    expect(run.stdout).toMatch(/End of training, accuracy gap \(tf − custom\)/);
    expect(run.stdout).toMatch(
      / {2}Training agrees: losses to rounding while the weights are together/,
    );
    const bad = await fmnist(['crosscheck', '--model', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it("checks the study's own training: the same initial weights, batches and dropout masks as `fmnist part2` for the seed", async () => {
    const args = ['--json', '--limit', '200', '--epochs', '1', '--model', 'dropout', '--seed', '5'];
    const env = { FMNIST_BACKEND: 'js' };
    const [check, custom, tf] = await Promise.all([
      fmnist(['crosscheck', ...args], env),
      fmnist(['part2', ...args, '--out', 'custom'], env),
      fmnist(['part2', ...args, '--engine', 'tf', '--out', 'tf'], env),
    ]);
    for (const run of [check, custom, tf]) expect(run.code, run.stderr).toBe(0);
    const [checked] = JSON.parse(check.stdout).models;
    const [studied] = JSON.parse(custom.stdout).models;
    const [studiedTf] = JSON.parse(tf.stdout).models;
    expect(checked.initialWeightsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(studied.initialWeightsSha256).toBe(checked.initialWeightsSha256);
    expect(studiedTf.initialWeightsSha256).toBe(checked.initialWeightsSha256);
    // The custom side of the cross-check is the study's custom run, to the bit: one fit loop,
    // one shuffle, the dropout layers' own masks (validation differs: --limit caps it here).
    expect(checked.training[0].custom.loss).toBe(studied.history[0].loss);
    expect(checked.training[0].custom.accuracy).toBe(studied.history[0].accuracy);
    // tfjs was handed those masks: its training figures agree to rounding.
    expect(Math.abs(checked.training[0].tf.loss - studied.history[0].loss)).toBeLessThan(1e-4);
  });
});
