import { denseStack, fit, type ModelSpec } from '@fmnist/nn';
import { afterEach, describe, expect, it } from 'vitest';
import { kerasLayerNames, TfReference, TfTrainingEngine } from '../src/index.js';

const refs: TfReference[] = [];
afterEach(() => {
  for (const ref of refs.splice(0)) ref.dispose();
});

async function reference(
  spec: ModelSpec,
  options: Parameters<typeof TfReference.create>[1],
): Promise<TfReference> {
  const ref = await TfReference.create(spec, options);
  refs.push(ref);
  return ref;
}

/** A tiny model whose arithmetic is easy to redo by hand in float64. */
const tiny = (layers: ModelSpec['layers']): ModelSpec => ({
  name: 'tiny',
  inputShape: [2, 2],
  layers,
});

/** Deterministic pseudo-random values in [-1, 1) (no RNG dependency in these unit tests). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

describe('layer names and weights', () => {
  it('names layers as Keras numbers them in a fresh session', () => {
    expect(
      kerasLayerNames(
        denseStack('batch-norm', [14, 28], [128, 64, 32], { batchNormalization: true }),
      ),
    ).toEqual([
      'flatten',
      'dense',
      'batch_normalization',
      'dense_1',
      'batch_normalization_1',
      'dense_2',
      'batch_normalization_2',
      'dense_3',
    ]);
    expect(
      kerasLayerNames(denseStack('dropout', [14, 28], [128, 64, 32], { dropout: 0.5 })),
    ).toEqual([
      'flatten',
      'dense',
      'dropout',
      'dense_1',
      'dropout_1',
      'dense_2',
      'dropout_2',
      'dense_3',
    ]);
  });

  it('builds the same names for a second model in the same process (no counter drift)', async () => {
    await reference(denseStack('top', [14, 28], [128, 64]), {
      optimizer: { type: 'sgd', learningRate: 1e-4 },
    });
    const second = await reference(denseStack('bottom', [14, 28], [128, 64]), {
      optimizer: { type: 'sgd', learningRate: 1e-4 },
    });
    expect(second.model.layers.map((l) => l.name)).toEqual([
      'flatten',
      'dense',
      'dense_1',
      'dense_2',
    ]);
    expect(second.getWeights().map((w) => w.name)).toEqual([
      'dense/kernel',
      'dense/bias',
      'dense_1/kernel',
      'dense_1/bias',
      'dense_2/kernel',
      'dense_2/bias',
    ]);
  });

  it("lists BatchNormalization's weights per layer in Keras order, with Keras's parameter count", async () => {
    const ref = await reference(
      denseStack('batch-norm', [14, 28], [128, 64, 32], { batchNormalization: true }),
      { optimizer: { type: 'adam' } },
    );
    const weights = ref.getWeights();
    expect(weights.slice(0, 5).map((w) => `${w.name} ${w.shape}`)).toEqual([
      'dense/kernel 392,128',
      'batch_normalization/gamma 128',
      'batch_normalization/beta 128',
      'batch_normalization/moving_mean 128',
      'batch_normalization/moving_variance 128',
    ]);
    // Keras's summary for this model: 61,642 parameters, of which 448 non-trainable.
    const total = weights.reduce((s, w) => s + w.values.length, 0);
    const moving = ref.movingStats().reduce((s, w) => s + w.values.length, 0);
    expect([total, moving]).toEqual([61_642, 448]);
  });

  it('round-trips setWeights and names the weight when a length is wrong', async () => {
    const ref = await reference(denseStack('top', [14, 28], [128, 64]), {
      optimizer: { type: 'sgd', learningRate: 1 },
    });
    const next = ref.getWeights().map((w, i) => values(w.values.length, i + 1));
    ref.setWeights(next);
    expect(ref.getWeights().map((w) => Array.from(w.values))).toEqual(
      next.map((v) => Array.from(v)),
    );
    expect(() => ref.setWeights([new Float32Array(3)])).toThrow(/dense\/kernel needs 50176 values/);
  });
});

describe('optimizers', () => {
  const spec = tiny([{ type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }]);
  const x = values(2 * 4, 7);
  const labels = [0, 2];

  /** Runs `steps` steps and returns the kernel's trajectory beside the gradients used. */
  async function run(optimizer: Parameters<typeof TfReference.create>[1], steps: number) {
    const ref = await reference(spec, optimizer);
    ref.setWeights([values(12, 3), values(3, 4)]);
    const start = Float64Array.from(ref.getWeights()[0]?.values ?? []);
    const grads: Float32Array[] = [];
    for (let s = 0; s < steps; s++)
      grads.push(ref.trainStep(x, labels).gradients[0]?.values as Float32Array);
    return { start, grads, end: ref.getWeights()[0]?.values as Float32Array };
  }

  it('SGD is w -= lr * g', async () => {
    const { start, grads, end } = await run({ optimizer: { type: 'sgd', learningRate: 0.5 } }, 1);
    const g = grads[0] as Float32Array;
    start.forEach((w, i) => {
      expect(end[i]).toBeCloseTo(w - 0.5 * (g[i] as number), 6);
    });
  });

  it("Adam follows Keras 3's update (epsilon added to sqrt(v), bias correction in the step size)", async () => {
    const lr = 0.01;
    const eps = 1e-3; // large, so its placement shows
    const { start, grads, end } = await run(
      { optimizer: { type: 'adam', learningRate: lr, epsilon: eps } },
      3,
    );
    const w = Float64Array.from(start);
    const m = new Float64Array(w.length);
    const v = new Float64Array(w.length);
    grads.forEach((g, s) => {
      const t = s + 1;
      const alpha = (lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      for (let i = 0; i < w.length; i++) {
        m[i] = (m[i] as number) + ((g[i] as number) - (m[i] as number)) * 0.1;
        v[i] = (v[i] as number) + ((g[i] as number) ** 2 - (v[i] as number)) * 0.001;
        w[i] = (w[i] as number) - (alpha * (m[i] as number)) / (Math.sqrt(v[i] as number) + eps);
      }
    });
    w.forEach((value, i) => {
      expect(end[i]).toBeCloseTo(value, 6);
    });
  });

  it("tfjs's own Adam adds epsilon to the bias-corrected sqrt(v̂) instead", async () => {
    const lr = 0.01;
    const eps = 1e-3;
    const { start, grads, end } = await run(
      { optimizer: { type: 'adam', learningRate: lr, epsilon: eps }, adam: 'tfjs' },
      1,
    );
    const g = grads[0] as Float32Array;
    start.forEach((w, i) => {
      const gi = g[i] as number;
      // t = 1: m̂ = g, v̂ = g², so the step is lr * g / (|g| + eps).
      expect(end[i]).toBeCloseTo(w - (lr * gi) / (Math.abs(gi) + eps), 6);
    });
  });
});

describe('BatchNormalization and Dropout', () => {
  it("moves the moving statistics by Keras 3's rule with the biased batch variance", async () => {
    const spec = tiny([
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'relu', useBias: false },
      { type: 'batchNormalization', momentum: 0.9 },
      { type: 'dense', units: 2, activation: 'softmax' },
    ]);
    const ref = await reference(spec, { optimizer: { type: 'sgd', learningRate: 0.1 } });
    const x = values(5 * 4, 11);
    const step = ref.trainStep(x, [0, 1, 1, 0, 1], { recordActivations: true });
    const input = step.activations?.[1]?.values as Float32Array; // dense's output, BN's input
    const [mean, variance] = ref.movingStats().map((w) => w.values);
    for (let c = 0; c < 3; c++) {
      const column = [0, 1, 2, 3, 4].map((r) => input[r * 3 + c] as number);
      const mu = column.reduce((a, b) => a + b, 0) / 5;
      const biased = column.reduce((a, b) => a + (b - mu) ** 2, 0) / 5;
      expect(mean?.[c]).toBeCloseTo(0.1 * mu, 6);
      expect(variance?.[c]).toBeCloseTo(0.9 + 0.1 * biased, 6);
    }
  });

  it('leaves the moving statistics alone when a forward pass asks it to', async () => {
    const ref = await reference(
      denseStack('batch-norm', [14, 28], [128, 64, 32], { batchNormalization: true }),
      { optimizer: { type: 'adam' } },
    );
    const x = values(4 * 392, 5);
    const before = ref.movingStats().map((w) => Array.from(w.values));
    ref.forward(x, { training: true, updateMovingStats: false });
    expect(ref.movingStats().map((w) => Array.from(w.values))).toEqual(before);
    ref.forward(x, { training: true });
    expect(ref.movingStats().map((w) => Array.from(w.values))).not.toEqual(before);
  });

  it("applies a shared dropout mask as tfjs's inverted dropout, and is the identity in inference", async () => {
    const spec = tiny([{ type: 'flatten' }, { type: 'dropout', rate: 0.25 }]);
    const ref = await reference(spec, { optimizer: { type: 'sgd', learningRate: 0.1 } });
    const x = values(3 * 4, 9);
    const keep = Float32Array.from(x, (_, i) => (i % 3 === 0 ? 0 : 1));
    const trained = ref.forward(x, { training: true, dropoutMasks: { dropout: keep } }).output;
    trained.forEach((y, i) => {
      expect(y).toBeCloseTo(((x[i] as number) * (keep[i] as number)) / 0.75, 6);
    });
    expect(Array.from(ref.forward(x, { training: false }).output)).toEqual(Array.from(x));
  });

  it('records which backend ran in every result', async () => {
    const ref = await reference(denseStack('top', [14, 28], [128, 64]), {
      optimizer: { type: 'sgd', learningRate: 1e-4 },
    });
    const x = values(2 * 392, 1);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(ref.backend);
    expect(ref.trainStep(x, [1, 2]).backend).toBe(ref.backend);
    expect(ref.evaluate(x, [1, 2]).backend).toBe(ref.backend);
    expect(ref.forward(x, { training: false }).backend).toBe(ref.backend);
  });
});

describe('training loop', () => {
  it("nn's fit drives the reference (TfTrainingEngine) in the given order, with a short last batch", async () => {
    const spec = tiny([{ type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }]);
    const options = { optimizer: { type: 'sgd' as const, learningRate: 0.3 } };
    const a = await reference(spec, options);
    const b = await reference(spec, options);
    const start = [values(12, 1), values(3, 2)];
    a.setWeights(start);
    b.setWeights(start);
    const x = values(5 * 4, 3);
    const labels = [0, 1, 2, 1, 0];
    const order = [3, 0, 4, 1, 2];
    const history = await fit(new TfTrainingEngine(a, 0), x, labels, {
      epochs: 1,
      batchSize: 2,
      batchOrder: () => order,
    });
    // By hand: batches [3, 0], [4, 1], [2].
    let lossSum = 0;
    for (const batch of [[3, 0], [4, 1], [2]]) {
      const xb = Float32Array.from(batch.flatMap((i) => Array.from(x.subarray(i * 4, i * 4 + 4))));
      lossSum +=
        b.trainStep(
          xb,
          batch.map((i) => labels[i] as number),
        ).loss * batch.length;
    }
    expect(history.history.loss![0]).toBeCloseTo(lossSum / 5, 6);
    expect(a.getWeights().map((w) => Array.from(w.values))).toEqual(
      b.getWeights().map((w) => Array.from(w.values)),
    );
    const evaluated = a.evaluate(x, labels);
    expect(evaluated.accuracy * 5).toBeCloseTo(Math.round(evaluated.accuracy * 5), 9);
    expect(evaluated.loss).toBeGreaterThan(0);
  });
});
