#!/usr/bin/env node
/**
 * How much of an epoch is the engine's own work (gathering batches, activations, loss, Adam,
 * bookkeeping) rather than matrix products: trains the 392-128-64-10 MLP on 10,000 images with
 * a backend whose matmul does nothing, and scales the time to a 50,000-image epoch.
 */
import { JsBackend } from '@fmnist/core';
import { denseStack, Sequential } from '../dist/index.js';
import { loadSubset } from './fashion.mjs';

const tr = loadSubset('train', 0, 10000);
class NullMatmul extends JsBackend {
  name = 'null-matmul';
  matmul() {}
}
for (const opt of [{ type: 'sgd', learningRate: 1e-4 }, { type: 'adam' }]) {
  const m = new Sequential(denseStack('top', [14, 28], [128, 64]), {
    seed: 1,
    backend: new NullMatmul(),
  });
  m.compile({ optimizer: opt });
  await m.fit(tr.x.subarray(0, 3200 * 392), tr.y.subarray(0, 3200));
  const t0 = performance.now();
  await m.fit(tr.x, tr.y, { epochs: 1 });
  console.log(
    opt.type,
    'nn overhead per 50k epoch (matmuls skipped):',
    (((performance.now() - t0) / 1000) * 5).toFixed(2),
    's',
  );
}
