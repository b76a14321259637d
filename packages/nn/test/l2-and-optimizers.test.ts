/**
 * What the property tests leave to be said about the pieces added after the study: the
 * bookkeeping of SGD with momentum and of RMSprop (Keras's iterations and variable counts, their
 * configs), L2 weight decay in every loss the model reports (a training step, fit's history,
 * evaluate, the step-level calls), and the kernel_regularizer configs a model.json may hold.
 */
import { JsBackend } from '@fmnist/core';
import { describe, expect, it } from 'vitest';
import { denseType } from '../src/layers/dense.js';
import type { ConfigReader } from '../src/layers/layer-type.js';
import { sparseCategoricalCrossentropy } from '../src/losses.js';
import { RMSprop, SGD } from '../src/optimizers.js';
import { Sequential } from '../src/sequential.js';
import type { ModelSpec } from '../src/spec.js';

const params = () => [
  { value: Float32Array.from([1, 2, 3]), grad: Float32Array.from([0.1, -0.2, 0.3]) },
  { value: Float32Array.from([4, 5]), grad: Float32Array.from([0.5, 0.5]) },
];

describe('SGD with momentum and RMSprop: iterations, variables and configs as Keras keeps them', () => {
  it('SGD counts iterations, and with momentum one velocity per weight (Keras: iterations, lr, momentums)', () => {
    const plain = new SGD(0.1);
    const momentum = new SGD(0.1, { momentum: 0.9, nesterov: true });
    expect(plain.config).toEqual({ type: 'sgd', learningRate: 0.1 });
    expect(momentum.config).toEqual({
      type: 'sgd',
      learningRate: 0.1,
      momentum: 0.9,
      nesterov: 'true',
    });
    expect(momentum.countVariables()).toBe(0);
    const p = params();
    momentum.applyGradients(p);
    momentum.applyGradients(p);
    expect(momentum.iterations).toBe(2);
    expect(momentum.countVariables()).toBe(2 + 3 + 2);
    plain.applyGradients(params());
    expect(plain.countVariables()).toBe(2);
  });

  it('RMSprop counts its mean squares, and momentum buffers and mean gradients only when asked for', () => {
    const count = (options: { momentum?: number; centered?: boolean }) => {
      const rms = new RMSprop(options);
      expect(rms.countVariables()).toBe(0);
      const p = params();
      rms.applyGradients(p);
      rms.applyGradients(p);
      rms.applyGradients(p);
      expect(rms.iterations).toBe(3);
      return rms.countVariables();
    };
    expect(count({})).toBe(2 + 5);
    expect(count({ momentum: 0.5 })).toBe(2 + 5 + 5);
    expect(count({ centered: true })).toBe(2 + 5 + 5);
    expect(count({ momentum: 0.5, centered: true })).toBe(2 + 3 * 5);
  });
});

/** A small model with L2 on both kernels, weights fixed, and a batch to measure. */
function l2Model() {
  const spec: ModelSpec = {
    name: 'l2',
    inputShape: [3],
    layers: [
      { type: 'dense', units: 4, activation: 'tanh', kernelRegularizer: { l2: 0.05 } },
      { type: 'dense', units: 3, activation: 'softmax', kernelRegularizer: { l2: 0.2 } },
    ],
  };
  const model = new Sequential(spec, { seed: 3, backend: new JsBackend(), dtype: 'float64' });
  model.compile({ optimizer: { type: 'sgd', learningRate: 0.5 }, metrics: ['accuracy'] });
  const x = Float64Array.from([0.5, -1, 2, 1, 0.25, -0.5, -2, 1, 0]);
  const y = Int32Array.from([0, 2, 1]);
  // The loss Keras reports, written out: the mean cross-entropy plus each l2·ΣW².
  const expected = () => {
    const probs = Float64Array.from(model.forward(x));
    let penalty = 0;
    for (const [i, w] of model.weights.entries()) {
      if (!w.name.endsWith('/kernel')) continue;
      const l2 = i === 0 ? 0.05 : 0.2;
      for (const v of w.value) penalty += l2 * v * v;
    }
    return { loss: sparseCategoricalCrossentropy(probs, y, 3, 3) + penalty, probs, penalty };
  };
  return { model, x, y, expected };
}

describe('L2 weight decay in every loss the model reports', () => {
  it('evaluate: the mean cross-entropy plus l2·ΣW², and the accuracy of the predictions', () => {
    const { model, x, y, expected } = l2Model();
    const want = expected();
    expect(want.penalty).toBeGreaterThan(0.01);
    const got = model.evaluate(x, y);
    expect(got.loss).toBeCloseTo(want.loss, 12);
    let correct = 0;
    for (let r = 0; r < 3; r++) {
      const row = Array.from(want.probs.subarray(r * 3, r * 3 + 3));
      if (row.indexOf(Math.max(...row)) === y[r]) correct++;
    }
    expect(got.accuracy).toBeCloseTo(correct / 3, 12);
  });

  it('a training step (trainOnBatch) and fit report the loss at the weights before the update, penalty included', async () => {
    const a = l2Model();
    const before = a.expected().loss;
    expect(a.model.trainOnBatch(a.x, a.y).loss).toBeCloseTo(before, 12);
    // The update moved the weights, so the penalty and the loss changed.
    expect(a.expected().loss).not.toBeCloseTo(before, 6);
    const b = l2Model();
    const history = await b.model.fit(b.x, b.y, { epochs: 1, batchSize: 3, seed: 1 });
    expect(history.history.loss![0]).toBeCloseTo(before, 12);
  });

  it('a step without and with taps reports the same loss', () => {
    const { model, x, y, expected } = l2Model();
    const want = expected().loss;
    expect(model.step(x, y, { training: false, apply: false }).loss).toBeCloseTo(want, 12);
    expect(model.step(x, y, { training: false, apply: false, taps: true }).taps!.loss).toBeCloseTo(
      want,
      12,
    );
  });
});

describe("kernel_regularizer in a model.json's Dense config", () => {
  const read: ConfigReader = {
    fail: (why) => {
      throw new Error(why);
    },
    show: (value) => JSON.stringify(value),
  };
  const base = { units: 4, activation: 'relu', use_bias: true };
  const from = (regularizer: unknown) =>
    denseType.fromConfig({ ...base, kernel_regularizer: regularizer }, read);

  it("reads none, Keras 3's L2 and TF.js's L1L2 with l1 0 (l1 absent counts as 0)", () => {
    expect(from(null)).toEqual({ type: 'dense', units: 4, activation: 'relu' });
    expect(from(undefined)).toEqual({ type: 'dense', units: 4, activation: 'relu' });
    expect(from({ class_name: 'L2', config: { l2: 0.01 } }).kernelRegularizer).toEqual({
      l2: 0.01,
    });
    expect(from({ class_name: 'L1L2', config: { l1: 0, l2: 0.001 } }).kernelRegularizer).toEqual({
      l2: 0.001,
    });
    expect(from({ class_name: 'L1L2', config: { l2: 0 } }).kernelRegularizer).toEqual({ l2: 0 });
  });

  it('refuses an L1 part, another class, and an l2 that is missing, negative or not finite', () => {
    for (const bad of [
      { class_name: 'L1L2', config: { l1: 0.1, l2: 0.01 } },
      { class_name: 'L1', config: { l1: 0.1 } },
      { class_name: 'OrthogonalRegularizer', config: { factor: 0.01 } },
      { class_name: 'L2', config: {} },
      { class_name: 'L2', config: { l2: -0.01 } },
      { class_name: 'L2', config: { l2: Number.POSITIVE_INFINITY } },
      { class_name: 'L2', config: { l2: '0.01' } },
      { config: { l2: 0.01 } },
    ]) {
      expect(() => from(bad), JSON.stringify(bad)).toThrow(
        /^has kernel_regularizer .*; the custom engine has L2 only \(L2 with l2 >= 0, or L1L2 with l1 0\)$/,
      );
    }
  });

  it('writes L1L2 with l1 0, the class TF.js registers, and reads it back', () => {
    const config = denseType.toConfig(
      { type: 'dense', units: 4, activation: 'relu', kernelRegularizer: { l2: 0.003 } },
      'dense',
    );
    expect(config.kernel_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 0.003 } });
    expect(config.bias_initializer).toEqual({ class_name: 'Zeros', config: {} });
    expect(denseType.fromConfig(config, read).kernelRegularizer).toEqual({ l2: 0.003 });
  });
});
