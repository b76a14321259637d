/**
 * Gradient checks of every layer: analytic backward vs central finite differences, in float64
 * through the js backend, over random shapes, weights and inputs (fast-check).
 *
 * Each layer is checked through the scalar f = Σ y ⊙ R for a fixed random R, so backward is fed
 * dy = R and every input and weight gradient is compared with the numerical one. Tolerance: see
 * helpers/gradcheck.ts.
 */
import { JsBackend, Rng } from '@fmnist/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchNormalization } from '../src/layers/batch-normalization.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import { Flatten } from '../src/layers/flatten.js';
import type { Layer, LayerContext } from '../src/layers/layer.js';
import { expectClose, H, numericalGradient } from './helpers/gradcheck.js';

const backend = new JsBackend();
const ctx = (seed: number): LayerContext => ({ backend, dtype: 'float64', rng: new Rng(seed) });

function randomArray(rng: Rng, n: number, lo = -1, hi = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** Checks dx and every trainable weight's gradient of `layer` at input x. */
function checkLayer(layer: Layer, x: Float64Array, batch: number, training: boolean, seed: number) {
  const rng = new Rng(seed);
  layer.allocate(batch);
  const r = randomArray(rng, batch * layer.outputSize);
  const f = () => {
    const y = layer.forward(x, batch, training);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * r[i]!;
    return s;
  };
  f();
  const dx = Float64Array.from(layer.backward(r, batch, true)!);
  const grads = layer.weights.filter((w) => w.trainable).map((w) => Float64Array.from(w.grad!));
  expectClose(dx, numericalGradient(x, f), `${layer.name} dx`);
  layer.weights
    .filter((w) => w.trainable)
    .forEach((w, i) => {
      expectClose(grads[i]!, numericalGradient(w.value, f), `${layer.name} ${w.name}`);
    });
}

const shapes = fc.record({
  batch: fc.integer({ min: 1, max: 5 }),
  inputs: fc.integer({ min: 1, max: 6 }),
  units: fc.integer({ min: 1, max: 6 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

describe('layer gradients match finite differences (float64)', () => {
  it('Dense with relu, sigmoid, tanh, softmax and linear activations, with and without bias', () => {
    fc.assert(
      fc.property(
        shapes,
        fc.constantFrom('relu', 'sigmoid', 'tanh', 'softmax', 'linear' as const),
        fc.boolean(),
        ({ batch, inputs, units, seed }, activation, useBias) => {
          const layer = new Dense('dense', [inputs], units, activation, useBias, ctx(seed));
          const rng = new Rng(seed + 1);
          if (layer.bias) layer.bias.value.set(randomArray(rng, units, -0.5, 0.5));
          const x = randomArray(rng, batch * inputs);
          if (activation === 'relu') {
            // Finite differences straddling ReLU's kink are meaningless: skip such draws.
            const z = new Float64Array(batch * units);
            backend.matmul(x, layer.kernel.value, z, batch, inputs, units, {
              ...(layer.bias ? { bias: layer.bias.value } : {}),
            });
            fc.pre(z.every((v) => Math.abs(v) > 1e3 * H));
          }
          checkLayer(layer, x, batch, true, seed + 2);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('BatchNormalization in training mode (batch statistics) and inference mode (moving ones)', () => {
    fc.assert(
      fc.property(shapes, fc.boolean(), ({ batch, units, seed }, training) => {
        // Batch statistics need two rows to be non-degenerate.
        const b = training ? Math.max(batch, 2) : batch;
        const layer = new BatchNormalization('batch_normalization', [units], 0.99, 1e-3, ctx(seed));
        const rng = new Rng(seed + 1);
        layer.gamma.value.set(randomArray(rng, units, 0.5, 1.5));
        layer.beta.value.set(randomArray(rng, units, -0.5, 0.5));
        layer.movingMean.value.set(randomArray(rng, units, -0.5, 0.5));
        layer.movingVariance.value.set(randomArray(rng, units, 0.5, 2));
        checkLayer(layer, randomArray(rng, b * units, -2, 2), b, training, seed + 2);
      }),
      { numRuns: 60 },
    );
  });

  it('Dropout with a fixed mask in training mode, and as the identity in inference mode', () => {
    fc.assert(
      fc.property(
        shapes,
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.boolean(),
        ({ batch, units, seed }, rate, training) => {
          const layer = new Dropout('dropout', [units], rate, ctx(seed));
          const rng = new Rng(seed + 1);
          layer.setFixedMask(
            Array.from({ length: batch * units }, () => (rng.nextFloat() < 0.5 ? 0 : 1)),
          );
          checkLayer(layer, randomArray(rng, batch * units), batch, training, seed + 2);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('Flatten passes values and gradients through unchanged', () => {
    const layer = new Flatten('flatten', [2, 3]);
    const x = randomArray(new Rng(1), 12);
    checkLayer(layer, x, 2, true, 3);
    expect(layer.outputShape).toEqual([6]);
  });
});

describe('layer semantics', () => {
  it('Dropout scales kept units by 1/(1 - rate) in training and is the identity in inference', () => {
    const layer = new Dropout('dropout', [4], 0.5, ctx(1));
    layer.allocate(1);
    layer.setFixedMask([1, 0, 1, 0]);
    const x = Float64Array.from([1, 2, 3, 4]);
    expect(Array.from(layer.forward(x, 1, true))).toEqual([2, 0, 6, 0]);
    expect(layer.forward(x, 1, false)).toBe(x);
  });

  it('Dropout drops about `rate` of the units with its seeded generator', () => {
    const layer = new Dropout('dropout', [1000], 0.5, ctx(7));
    layer.allocate(4);
    const y = layer.forward(new Float64Array(4000).fill(1), 4, true);
    const dropped = y.filter((v) => v === 0).length;
    expect(dropped).toBeGreaterThan(1800);
    expect(dropped).toBeLessThan(2200);
  });

  it('BatchNormalization updates the moving statistics with momentum and the biased variance', () => {
    const layer = new BatchNormalization('batch_normalization', [1], 0.99, 1e-3, ctx(1));
    layer.allocate(4);
    layer.forward(Float64Array.from([1, 2, 3, 6]), 4, true);
    // mean 3; biased variance ((−2)² + (−1)² + 0² + 3²)/4 = 14/4 = 3.5 (the unbiased one is 14/3).
    expect(layer.movingMean.value[0]).toBeCloseTo(0.99 * 0 + 0.01 * 3, 12);
    expect(layer.movingVariance.value[0]).toBeCloseTo(0.99 * 1 + 0.01 * 3.5, 12);
    // Inference normalises with the moving statistics, not the batch's.
    const y = layer.forward(Float64Array.from([1]), 1, false);
    expect(y[0]).toBeCloseTo((1 - 0.03) / Math.sqrt(1.025 + 1e-3), 12);
  });

  it('Dense kernels are Glorot uniform within sqrt(6 / (fan_in + fan_out)) and biases zero', () => {
    const layer = new Dense('dense', [392], 128, 'relu', true, ctx(3));
    const limit = Math.sqrt(6 / (392 + 128));
    const k = layer.kernel.value;
    expect(k.every((v) => Math.abs(v) <= limit)).toBe(true);
    // A uniform on (−l, l) has variance l²/3.
    let sumSquares = 0;
    for (const v of k) sumSquares += v * v;
    const variance = sumSquares / k.length;
    expect(variance).toBeGreaterThan((0.9 * (limit * limit)) / 3);
    expect(variance).toBeLessThan((1.1 * (limit * limit)) / 3);
    expect(layer.bias!.value.every((v) => v === 0)).toBe(true);
  });
});
