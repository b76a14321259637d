/**
 * fit's semantics: determinism, running-mean metrics, short last batch, caller-given batch
 * order, validation in inference mode, hooks; and the typed errors.
 */
import { JsBackend } from '@fmnist/core';
import { describe, expect, it } from 'vitest';
import { denseStack } from '../src/dense-stack.js';
import {
  InvalidArgumentError,
  NonFiniteLossError,
  NotCompiledError,
  ShapeMismatchError,
  WeightsMismatchError,
} from '../src/errors.js';
import { Sequential } from '../src/sequential.js';
import type { ModelSpec } from '../src/spec.js';

const backend = new JsBackend();
const tinySpec: ModelSpec = {
  name: 'tiny',
  inputShape: [2, 3],
  layers: [
    { type: 'flatten' },
    { type: 'dense', units: 8, activation: 'relu', useBias: false },
    { type: 'batchNormalization' },
    { type: 'dropout', rate: 0.25 },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
};

function toyData(n: number, seed = 1) {
  // Three separable classes: the class sets which third of the features is large.
  const x = new Float32Array(n * 6);
  const y = new Uint8Array(n);
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 6; j++) x[i * 6 + j] = rand() * 0.3 + (Math.floor(j / 2) === y[i] ? 1 : 0);
  }
  return { x, y };
}

describe('fit', () => {
  it('same seed and backend give bit-identical weights after an epoch; another seed does not', async () => {
    const { x, y } = toyData(70);
    const train = async (seed: number) => {
      const model = new Sequential(tinySpec, { seed, backend });
      model.compile({ optimizer: { type: 'adam' } });
      await model.fit(x, y, { epochs: 1, batchSize: 8 });
      return model.getWeights();
    };
    const a = await train(7);
    const b = await train(7);
    const c = await train(8);
    a.forEach((w, i) => {
      expect(Buffer.from(w.buffer).equals(Buffer.from(b[i]!.buffer))).toBe(true);
    });
    expect(Buffer.from(a[0]!.buffer).equals(Buffer.from(c[0]!.buffer))).toBe(false);
  });

  it('waits for a promise onBatchEnd returns before the next batch (how the lab page pauses)', async () => {
    const { x, y } = toyData(12);
    const model = new Sequential(tinySpec, { seed: 3, backend });
    model.compile({ optimizer: { type: 'sgd', learningRate: 0.01 } });
    const log: string[] = [];
    await model.fit(x, y, {
      epochs: 1,
      batchSize: 4,
      shuffle: false,
      onBatchEnd: (e) => {
        log.push(`end ${e.batch}`);
        if (e.batch !== 0) return;
        // A pause: released only after a macrotask, so a loop that did not wait would run on.
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            log.push('released');
            resolve();
          }, 20),
        );
      },
    });
    expect(log).toEqual(['end 0', 'released', 'end 1', 'end 2']);
  });

  it('leaves the time it waited out of the epoch and fit seconds it records', async () => {
    const { x, y } = toyData(12);
    const model = new Sequential(tinySpec, { seed: 3, backend });
    model.compile({ optimizer: { type: 'sgd', learningRate: 0.01 } });
    const PAUSE_MS = 600;
    const t0 = performance.now();
    const history = await model.fit(x, y, {
      epochs: 2,
      batchSize: 4,
      onBatchEnd: (e) =>
        e.epoch === 1 && e.batch === 0
          ? new Promise<void>((resolve) => setTimeout(resolve, PAUSE_MS))
          : undefined,
    });
    const wall = (performance.now() - t0) / 1000;
    expect(history.epochSeconds).toHaveLength(2);
    // However slow the machine, the pause is in the wall time and in neither record.
    expect(wall - history.seconds).toBeGreaterThanOrEqual((PAUSE_MS - 5) / 1000);
    expect(history.seconds).toBeGreaterThan(0);
    const epochs = history.epochSeconds[0]! + history.epochSeconds[1]!;
    expect(epochs).toBeLessThanOrEqual(history.seconds);
    expect(epochs).toBeGreaterThan(0);
  });

  it('reports per-epoch running means weighted by batch size, with a short last batch', async () => {
    const { x, y } = toyData(10);
    const model = new Sequential(denseStack('toy', [2, 3], [128, 64]), { seed: 1, backend });
    model.compile({ optimizer: { type: 'sgd', learningRate: 0.05 } });
    // Replay the same batches by hand with trainOnBatch on a twin model.
    const twin = new Sequential(denseStack('toy', [2, 3], [128, 64]), { seed: 1, backend });
    twin.compile({ optimizer: { type: 'sgd', learningRate: 0.05 } });
    const order = [9, 3, 1, 0, 2, 8, 7, 4, 6, 5];
    const batchSizes: number[] = [];
    const history = await model.fit(x, y, {
      epochs: 1,
      batchSize: 4,
      batchOrder: () => order,
      onBatchEnd: (e) => {
        batchSizes.push(e.batch);
      },
    });
    let lossSum = 0;
    let correct = 0;
    for (let first = 0; first < 10; first += 4) {
      const idx = order.slice(first, first + 4);
      const xb = new Float32Array(idx.length * 6);
      idx.forEach((k, r) => {
        xb.set(x.subarray(k * 6, k * 6 + 6), r * 6);
      });
      const r = twin.trainOnBatch(
        xb,
        idx.map((k) => y[k]!),
      );
      lossSum += r.loss * idx.length;
      correct += r.accuracy * idx.length;
    }
    expect(batchSizes).toEqual([0, 1, 2]); // 4 + 4 + 2
    expect(history.history.loss![0]).toBeCloseTo(lossSum / 10, 10);
    expect(history.history.accuracy![0]).toBeCloseTo(correct / 10, 10);
    expect(model.getWeights()).toEqual(twin.getWeights());
  });

  it('validates in inference mode after every epoch and learns a separable toy problem', async () => {
    const { x, y } = toyData(300);
    const val = toyData(90, 99);
    const model = new Sequential(tinySpec, { seed: 2, backend });
    model.compile({ optimizer: { type: 'adam', learningRate: 0.01 } });
    const epochsSeen: number[] = [];
    const history = await model.fit(x, y, {
      epochs: 5,
      batchSize: 16,
      validationData: [val.x, val.y],
      onEpochEnd: (e) => {
        epochsSeen.push(e.epoch);
      },
    });
    expect(epochsSeen).toEqual([0, 1, 2, 3, 4]);
    expect(Object.keys(history.history)).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    const ev = model.evaluate(val.x, val.y);
    expect(history.history.val_loss![4]).toBeCloseTo(ev.loss, 6);
    expect(history.history.val_accuracy![4]).toBeCloseTo(ev.accuracy, 6);
    expect(ev.accuracy).toBeGreaterThan(0.9);
    // Inference is deterministic: dropout off, BN on moving statistics.
    expect(model.predict(val.x)).toEqual(model.predict(val.x));
    expect(Array.from(model.predictClasses(val.x.subarray(0, 6 * 3)))).toEqual([0, 1, 2]);
  });

  it('exposes activations, gradients and a separate optimizer step for cross-checks', () => {
    const model = new Sequential(tinySpec, { seed: 4, backend });
    model.compile({ optimizer: { type: 'sgd', learningRate: 0.5 } });
    const { x, y } = toyData(4);
    const loss = model.step(x, y, { apply: false }).loss;
    expect(loss).toBeGreaterThan(0);
    expect(model.activations().map((a) => a.shape)).toEqual([
      [4, 6],
      [4, 8],
      [4, 8],
      [4, 8],
      [4, 3],
    ]);
    const grads = model.getGradients();
    expect(grads.map((g) => g.length)).toEqual([48, 8, 8, 24, 3]);
    const before = model.getWeights();
    model.applyGradients();
    const after = model.getWeights();
    for (let i = 0; i < 48; i++)
      expect(after[0]![i]).toBeCloseTo(before[0]![i]! - 0.5 * grads[0]![i]!, 6);
  });
});

describe('buffers', () => {
  it('reuses each layer buffer across batches; a short batch is a view of the same memory', () => {
    const model = new Sequential(tinySpec, { seed: 4, backend });
    model.compile({ optimizer: { type: 'sgd', learningRate: 0.1 } });
    const { x, y } = toyData(8);
    model.step(x, y, { apply: false }).loss;
    const first = model.activations().map((a) => a.values);
    const grads = model.trainableWeights.map((w) => w.grad);
    model.step(x, y, { apply: false }).loss;
    model.activations().forEach((a, i) => {
      expect(a.values).toBe(first[i]); // the very same array object: nothing reallocated
    });
    model.step(x.subarray(0, 3 * 6), y.subarray(0, 3), { apply: false }).loss;
    model.activations().forEach((a, i) => {
      expect(a.values.buffer).toBe(first[i]!.buffer);
      expect(a.values.length).toBe(3 * a.shape[1]!);
    });
    model.trainableWeights.forEach((w, i) => {
      expect(w.grad).toBe(grads[i]);
    });
  });
});

describe('failures', () => {
  it('a shape mismatch names the first layer and both shapes', async () => {
    const model = new Sequential(denseStack('base', [14, 28], [128, 64, 32]), { backend });
    model.compile({ optimizer: { type: 'adam' } });
    const x = { data: new Float32Array(2 * 28 * 28), shape: [2, 28, 28] };
    await expect(model.fit(x, [1, 2])).rejects.toThrow(ShapeMismatchError);
    await expect(model.fit(x, [1, 2])).rejects.toThrow(
      "layer 'flatten' (Flatten) input: expected shape [2, 14, 28] but got [2, 28, 28]",
    );
    expect(() => model.evaluate(new Float32Array(2 * 784), [1, 2])).toThrow(
      'expected shape [2, 14, 28] but got [2, 784]',
    );
    expect(() => model.evaluate(new Float32Array(392), [1, 2])).toThrow(/labels|shape/);
  });

  it('setWeights with a wrong shape names the weight and both shapes, and changes nothing', () => {
    const model = new Sequential(denseStack('base', [14, 28], [128, 64, 32]), { backend });
    const weights = model.getWeights();
    const bad = weights.map((w, i) => ({ shape: model.weights[i]!.shape, data: w }));
    bad[2] = { shape: [64, 128], data: new Float32Array(64 * 128) };
    expect(() => model.setWeights(bad)).toThrow(WeightsMismatchError);
    expect(() => model.setWeights(bad)).toThrow(
      "weight 2 'dense_1/kernel' has shape [128, 64] (8192 values) but got shape [64, 128]",
    );
    expect(() => model.setWeights(weights.slice(1))).toThrow(/has 8 weight arrays/);
    expect(model.getWeights()).toEqual(weights);
  });

  it('a NaN loss stops training with a typed error naming the epoch and batch', async () => {
    const model = new Sequential(denseStack('toy', [2, 3], [128, 64]), { backend });
    model.compile({ optimizer: { type: 'sgd', learningRate: 0.1 } });
    const { x, y } = toyData(12);
    x[9 * 6] = Number.NaN; // sample 9 is in the third batch of 4 without shuffling
    const error = await model
      .fit(x, y, { epochs: 2, batchSize: 4, shuffle: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as NonFiniteLossError).epoch).toBe(1);
    expect((error as NonFiniteLossError).batch).toBe(3);
    expect((error as Error).message).toMatch(/epoch 1, batch 3.*Lower the learning rate/);
  });

  it('training before compile, bad labels and bad options get typed errors saying what to do', async () => {
    const model = new Sequential(denseStack('toy', [2, 3], [128, 64]), { backend });
    const { x, y } = toyData(3);
    await expect(model.fit(x, y)).rejects.toThrow(NotCompiledError);
    await expect(model.fit(x, y)).rejects.toThrow(/call model.compile/);
    model.compile({ optimizer: { type: 'sgd', learningRate: 0.1 } });
    await expect(model.fit(x, [0, 1, 12])).rejects.toThrow(/label 12 at index 2/);
    await expect(model.fit(x, y, { batchSize: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(model.fit(x, y, { batchOrder: () => [0, 1, 3] })).rejects.toThrow(
      /index 3 at position 2/,
    );
    expect(() => new Sequential({ ...tinySpec, inputShape: [0] }, { backend })).toThrow(
      /inputShape/,
    );
  });
});
