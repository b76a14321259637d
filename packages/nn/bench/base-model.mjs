#!/usr/bin/env node
/**
 * The "done when" run: Part 2's base model (Adam, 15 epochs, batch 32) on the top half of the
 * first 50,000 training images, validated on the last 10,000, then tested on the official
 * 10,000. Not a unit test: it takes minutes. Prints Keras-style progress on stderr and one JSON
 * document on stdout.
 *
 *   node bench/base-model.mjs [--backend gpujs] [--epochs 15] [--variant base] [--seed 1]
 */
import { createBackend } from '@fmnist/core';
import {
  EarlyStopping,
  formatEpochHeader,
  formatProgressLine,
  part2Spec,
  Sequential,
} from '../dist/index.js';
import { loadSubset } from './fashion.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const epochs = Number(arg('epochs', '15'));
const variant = arg('variant', 'base');
const seed = Number(arg('seed', '1'));
const backend = createBackend(arg('backend', 'gpujs'));

const train = loadSubset('train', 0, 50_000);
const validation = loadSubset('train', 50_000, 10_000);
const test = loadSubset('t10k', 0, 10_000);

const model = new Sequential(part2Spec(variant), { seed, backend });
model.compile({ optimizer: { type: 'adam' }, metrics: ['accuracy'] });
process.stderr.write(model.summary());
const callbacks =
  variant === 'early-stopping'
    ? [new EarlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true })]
    : [];
const start = performance.now();
const history = await model.fit(train.x, train.y, {
  epochs,
  batchSize: 32,
  validationData: [validation.x, validation.y],
  callbacks,
  onEpochBegin: (epoch) => process.stderr.write(`${formatEpochHeader(epoch, epochs)}\n`),
  onEpochEnd: (e) => {
    process.stderr.write(
      `${formatProgressLine({ step: e.steps, steps: e.steps, elapsedSeconds: e.elapsedSeconds, secondsPerStep: e.secondsPerStep, logs: e.logs })}\n`,
    );
  },
});
const seconds = (performance.now() - start) / 1000;
const result = model.evaluate(test.x, test.y);
process.stdout.write(
  `${JSON.stringify(
    {
      model: variant,
      backend: backend.name,
      seed,
      epochsRun: history.epoch.length,
      bestEpoch: history.bestEpoch(),
      seconds: Math.round(seconds * 10) / 10,
      test: result,
      history: history.history,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
    },
    null,
    2,
  )}\n`,
);
