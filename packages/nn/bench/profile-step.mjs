#!/usr/bin/env node
/**
 * pnpm --filter @fmnist/nn bench:profile — where one training step's time goes, for the
 * study's models (392-128-64-10 on the top half, batch 32) on a backend (default gpujs).
 *
 * Every matmul (the backend's), each layer's forward and backward, the optimizer's update and
 * fit's own work are timed by wrapping them (self time: a layer's figure excludes the matmuls
 * it calls). "loss head and bookkeeping" is what a step costs beyond the layers and the
 * optimizer (softmax + cross-entropy gradient, loss and accuracy sums); "gather and loop" is
 * what fit's epoch costs beyond the steps (gathering each batch's rows, shuffling, callbacks).
 * Evaluation over 10,000 validation images is timed separately. Timers cost ~0.1 µs each, about
 * 40 per step.
 *
 * Options: --backend NAME (js, gpujs:webasm, ...), --limit N (training images, default 50,000),
 * --models base,batch-norm,dropout (dropout at the study's rate, 0.5), --optimizer adam|sgd
 * (default adam; sgd: lr 1e-4). Prints JSON; writes bench-results/profile-step.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '@fmnist/core/gpujs';
import * as nn from '../dist/index.js';
import { loadSubset } from './fashion.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const backendName = opt('backend', 'gpujs');
const limit = Number(opt('limit', '50000'));
const modelNames = opt('models', 'base,batch-norm,dropout').split(',');
const optimizerSpec =
  opt('optimizer', 'adam') === 'sgd' ? { type: 'sgd', learningRate: 1e-4 } : { type: 'adam' };

const MODELS = {
  base: { hidden: [128, 64], options: {} },
  'batch-norm': { hidden: [128, 64], options: { batchNormalization: true } },
  dropout: { hidden: [128, 64], options: { dropout: 0.5 } },
};

/** Self-time accounting: nested timed calls are subtracted from their caller. */
const totals = new Map();
const stack = [];
function timed(label, fn) {
  return function (...args) {
    const frame = { nested: 0 };
    stack.push(frame);
    const t0 = performance.now();
    try {
      return fn.apply(this, args);
    } finally {
      const elapsed = performance.now() - t0;
      stack.pop();
      const parent = stack.at(-1);
      if (parent) parent.nested += elapsed;
      const entry = totals.get(label) ?? { ms: 0, calls: 0 };
      entry.ms += elapsed - frame.nested;
      entry.calls += 1;
      totals.set(label, entry);
    }
  };
}

const train = loadSubset('train', 0, limit, 'top');
const validation = loadSubset('train', 50_000, 10_000, 'top');
const results = [];
for (const name of modelNames) {
  const backend = createBackend(backendName);
  backend.matmul = timed('matmul (gpu.js kernels)', backend.matmul.bind(backend));
  const { hidden, options } = MODELS[name];
  const model = new nn.Sequential(nn.denseStack(name, [14, 28], hidden, options), {
    seed: 1,
    backend,
  });
  model.compile({ optimizer: optimizerSpec });
  // Warm-up: compile the kernels, then start the count afresh.
  await model.fit(train.x.subarray(0, 256 * 392), train.y.subarray(0, 256), { batchSize: 32 });
  for (const layer of model.layers) {
    const kind = layer.constructor.name;
    layer.forward = timed(`${kind} forward`, layer.forward.bind(layer));
    layer.backward = timed(`${kind} backward`, layer.backward.bind(layer));
  }
  model.compile({ optimizer: optimizerSpec });
  const optimizer = model.optimizer;
  optimizer.applyGradients = timed(
    `${optimizerSpec.type} update`,
    optimizer.applyGradients.bind(optimizer),
  );
  // fit drives the model's trainer (train/trainer.ts): its step is what trainBatch runs.
  const trainer = model.trainer;
  trainer.trainBatch = timed('loss head and bookkeeping', trainer.trainBatch.bind(trainer));
  totals.clear();
  const t0 = performance.now();
  await model.fit(train.x, train.y, { epochs: 1, batchSize: 32, seed: 1 });
  const epochMs = performance.now() - t0;
  const stepParts = [...totals.entries()].map(([part, v]) => ({ part, ...v }));
  const stepsMs = stepParts.reduce((a, p) => a + p.ms, 0);
  // Evaluation, alone.
  const e0 = performance.now();
  model.evaluate(validation.x, validation.y, { batchSize: 32 });
  const evaluateMs = performance.now() - e0;
  const parts = [...stepParts, { part: 'gather and loop', ms: epochMs - stepsMs, calls: 1 }]
    .map((p) => ({
      part: p.part,
      ms: Math.round(p.ms),
      share: Math.round((p.ms / epochMs) * 1000) / 10,
      usPerCall: Math.round((p.ms / p.calls) * 1000) / 1000,
      calls: p.calls,
    }))
    .sort((a, b) => b.ms - a.ms);
  results.push({
    model: name,
    backend: backend.name,
    samples: limit,
    epochSeconds: Math.round(epochMs) / 1000,
    parts,
    evaluate10000Seconds: Math.round(evaluateMs) / 1000,
  });
  process.stderr.write(`profile ${name} on ${backend.name}: ${Math.round(epochMs)} ms/epoch\n`);
  for (const p of parts) {
    process.stderr.write(`  ${p.part.padEnd(34)} ${String(p.ms).padStart(6)} ms  ${p.share}%\n`);
  }
  process.stderr.write(`  evaluate, 10,000 images ${Math.round(evaluateMs)} ms\n`);
  model.dispose();
  backend.dispose();
}
const report = {
  benchmark: `one epoch profiled, batch 32, ${optimizerSpec.type}`,
  node: process.version,
  loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  results,
};
mkdirSync(join(here, '..', 'bench-results'), { recursive: true });
writeFileSync(
  join(here, '..', 'bench-results', 'profile-step.json'),
  `${JSON.stringify(report, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
