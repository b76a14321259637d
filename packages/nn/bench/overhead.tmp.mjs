import { JsBackend } from '@fmnist/core';
import { HALF_SHAPE, part1Spec, Sequential } from '../dist/index.js';
import { loadSubset } from './fashion.mjs';

const tr = loadSubset('train', 0, 10000);
class NullMatmul extends JsBackend {
  name = 'null-matmul';
  matmul() {}
}
for (const opt of [{ type: 'sgd', learningRate: 1e-4 }, { type: 'adam' }]) {
  const m = new Sequential(part1Spec('top', HALF_SHAPE), { seed: 1, backend: new NullMatmul() });
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
