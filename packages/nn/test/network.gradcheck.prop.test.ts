/**
 * Gradient checks of the loss and of whole networks: Sequential.step with apply: false (fused softmax +
 * cross-entropy, then every layer's backward) against central finite differences of the loss,
 * in float64 through the js backend. Random architectures mix Dense (relu, with or without
 * bias), BatchNormalization and Dropout (fixed masks), in training and in inference mode.
 */
import { JsBackend, Rng } from '@fmnist/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import {
  crossEntropyGradProbs,
  softmaxCrossEntropyGradLogits,
  sparseCategoricalCrossentropy,
} from '../src/losses.js';
import { Sequential } from '../src/sequential.js';
import type { LayerSpec, ModelSpec } from '../src/spec.js';
import { expectClose, H, numericalGradient } from './helpers/gradcheck.js';

const backend = new JsBackend();

function randomProbs(rng: Rng, batch: number, classes: number): Float64Array {
  const p = new Float64Array(batch * classes);
  for (let r = 0; r < batch; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      p[r * classes + c] = rng.uniform(0.05, 1);
      sum += p[r * classes + c]!;
    }
    for (let c = 0; c < classes; c++) p[r * classes + c] = p[r * classes + c]! / sum;
  }
  return p;
}

describe('the loss', () => {
  it('dL/dp of the cross-entropy matches finite differences where the clip is not active', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 0, max: 1e6 }),
        (batch, classes, seed) => {
          const rng = new Rng(seed);
          const p = randomProbs(rng, batch, classes);
          const labels = Array.from({ length: batch }, () => rng.int(classes));
          const grad = new Float64Array(batch * classes);
          crossEntropyGradProbs(p, labels, batch, classes, grad);
          const f = () => sparseCategoricalCrossentropy(p, labels, batch, classes);
          expectClose(grad, numericalGradient(p, f), 'dL/dp');
        },
      ),
      { numRuns: 50 },
    );
  });

  it('the fused softmax + cross-entropy gradient (p − onehot)/B equals the unfused chain', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 0, max: 1e6 }),
        (batch, classes, seed) => {
          const rng = new Rng(seed);
          // Logits in [−3, 3] keep every probability far from the clip bounds.
          const z = Float64Array.from({ length: batch * classes }, () => rng.uniform(-3, 3));
          const p = new Float64Array(z.length);
          backend.softmaxRows(z, p, batch, classes);
          const labels = Array.from({ length: batch }, () => rng.int(classes));
          const fused = new Float64Array(z.length);
          softmaxCrossEntropyGradLogits(p, labels, batch, classes, fused);
          // Unfused: dL/dp, then through the softmax Dense's own Jacobian backward.
          const dp = new Float64Array(z.length);
          crossEntropyGradProbs(p, labels, batch, classes, dp);
          const chained = new Float64Array(z.length);
          for (let r = 0; r < batch; r++) {
            let dot = 0;
            for (let c = 0; c < classes; c++) dot += dp[r * classes + c]! * p[r * classes + c]!;
            for (let c = 0; c < classes; c++) {
              chained[r * classes + c] = p[r * classes + c]! * (dp[r * classes + c]! - dot);
            }
          }
          for (let i = 0; i < z.length; i++) expect(fused[i]).toBeCloseTo(chained[i]!, 12);
          // And both are the derivative of the loss with respect to the logits.
          const f = () => {
            const q = new Float64Array(z.length);
            backend.softmaxRows(z, q, batch, classes);
            return sparseCategoricalCrossentropy(q, labels, batch, classes);
          };
          expectClose(fused, numericalGradient(z, f), 'dL/dz');
        },
      ),
      { numRuns: 50 },
    );
  });

  it('clips probabilities to [1e-7, 1 - 1e-7] and passes no gradient where clipped', () => {
    const p = Float64Array.from([0, 1, 0, 1]);
    expect(sparseCategoricalCrossentropy(p, [0, 1], 2, 2)).toBeCloseTo(
      (-Math.log(1e-7) - Math.log(1 - 1e-7)) / 2,
      10,
    );
    const grad = new Float64Array(4);
    crossEntropyGradProbs(p, [0, 1], 2, 2, grad);
    expect(Array.from(grad)).toEqual([0, 0, 0, 0]);
  });
});

const layerSpec = fc.oneof(
  fc
    .record({ units: fc.integer({ min: 1, max: 5 }), useBias: fc.boolean() })
    .map(({ units, useBias }): LayerSpec[] => [
      { type: 'dense', units, activation: 'relu', useBias },
    ]),
  fc
    .record({
      units: fc.integer({ min: 1, max: 5 }),
      activation: fc.constantFrom('sigmoid' as const, 'tanh' as const),
    })
    .map(({ units, activation }): LayerSpec[] => [{ type: 'dense', units, activation }]),
  // L2 weight decay on the kernel: its penalty joins the loss, its gradient the kernel's.
  fc
    .record({
      units: fc.integer({ min: 1, max: 5 }),
      l2: fc.constantFrom(1e-4, 1e-2, 0.5),
      activation: fc.constantFrom('relu' as const, 'tanh' as const),
    })
    .map(({ units, l2, activation }): LayerSpec[] => [
      { type: 'dense', units, activation, kernelRegularizer: { l2 } },
    ]),
  fc
    .integer({ min: 1, max: 5 })
    .map((units): LayerSpec[] => [
      { type: 'dense', units, activation: 'relu', useBias: false },
      { type: 'batchNormalization' },
    ]),
  fc
    .record({
      units: fc.integer({ min: 1, max: 5 }),
      rate: fc.double({ min: 0.1, max: 0.7, noNaN: true }),
    })
    .map(({ units, rate }): LayerSpec[] => [
      { type: 'dense', units, activation: 'relu' },
      { type: 'dropout', rate },
    ]),
);

describe('whole networks', () => {
  it('step (apply: false) matches finite differences of the loss for every weight', () => {
    fc.assert(
      fc.property(
        fc.array(layerSpec, { minLength: 0, maxLength: 3 }),
        fc.integer({ min: 2, max: 5 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (hidden, batch, training, seed) => {
          const spec: ModelSpec = {
            name: 'gradcheck',
            inputShape: [2, 3],
            layers: [
              { type: 'flatten' },
              ...hidden.flat(),
              { type: 'dense', units: 4, activation: 'softmax' },
            ],
          };
          const model = new Sequential(spec, { seed, backend, dtype: 'float64' });
          model.compile({ optimizer: { type: 'sgd', learningRate: 0.1 } });
          const rng = new Rng(seed + 1);
          // Non-zero biases and BN parameters so nothing sits at a symmetric point.
          for (const w of model.weights) {
            if (w.name.endsWith('/bias') || w.name.endsWith('/beta')) {
              for (let i = 0; i < w.value.length; i++) w.value[i] = rng.uniform(0.05, 0.3);
            }
            if (w.name.endsWith('/moving_variance')) {
              for (let i = 0; i < w.value.length; i++) w.value[i] = rng.uniform(0.5, 2);
            }
          }
          for (const layer of model.layers) {
            if (layer instanceof Dropout) {
              layer.setFixedMask(
                Array.from({ length: batch * layer.inputSize }, () =>
                  rng.nextFloat() < 0.3 ? 0 : 1,
                ),
              );
            }
          }
          const x = Float64Array.from({ length: batch * 6 }, () => rng.uniform(-1, 1));
          const y = Array.from({ length: batch }, () => rng.int(4));
          // The loss Keras minimises: the cross-entropy plus l2·ΣW² of every regularised kernel,
          // written out here rather than asked of the model.
          const penalty = () =>
            model.layers.reduce((sum, layer) => {
              const l2 = layer instanceof Dense ? (layer.l2 ?? 0) : 0;
              if (!(layer instanceof Dense) || l2 === 0) return sum;
              let squares = 0;
              for (const v of layer.kernel.value) squares += v * v;
              return sum + l2 * squares;
            }, 0);
          const lossOf = () => {
            const p = model.forward(x, { training });
            return sparseCategoricalCrossentropy(p, y, batch, 4) + penalty();
          };
          const reported = model.step(x, y, { training, apply: false }).loss;
          expect(reported).toBeCloseTo(lossOf(), 12);
          // Skip draws where a ReLU input sits within reach of its kink.
          const pre = model.layers.filter(
            (l): l is Dense => l instanceof Dense && l.activation === 'relu',
          );
          for (const dense of pre) {
            const idx = model.layers.indexOf(dense);
            const input = idx === 0 ? x : model.activations()[idx - 1]!.values;
            const z = new Float64Array(batch * dense.units);
            backend.matmul(input, dense.kernel.value, z, batch, dense.inputSize, dense.units, {
              ...(dense.bias ? { bias: dense.bias.value } : {}),
            });
            fc.pre(z.every((v) => Math.abs(v) > 1e3 * H));
          }
          const analytic = model.getGradients();
          model.trainableWeights.forEach((w, i) => {
            expectClose(analytic[i]!, numericalGradient(w.value, lossOf), w.name);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the unfused path (a softmax Dense that is not last) also gives correct gradients', () => {
    // A linear Dense after the softmax one is not something to train, but it exercises the
    // softmax Jacobian backward inside a network.
    const spec: ModelSpec = {
      name: 'unfused',
      inputShape: [3],
      layers: [
        { type: 'dense', units: 4, activation: 'softmax' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
    };
    const model = new Sequential(spec, { seed: 5, backend, dtype: 'float64' });
    model.compile({ optimizer: { type: 'sgd', learningRate: 0.1 } });
    const x = Float64Array.from([0.2, -0.4, 0.9, 0.5, 0.1, -0.7]);
    const y = [2, 0];
    model.step(x, y, { apply: false }).loss;
    const analytic = model.getGradients();
    const lossOf = () => sparseCategoricalCrossentropy(model.forward(x), y, 2, 3);
    model.trainableWeights.forEach((w, i) => {
      expectClose(analytic[i]!, numericalGradient(w.value, lossOf), w.name);
    });
  });
});
