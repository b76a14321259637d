/**
 * The study's six models: parameter counts equal to what Keras prints (derived here by hand
 * from the architecture, not from the code under test), Keras layer names, and the summary's
 * text layout.
 */
import { JsBackend } from '@fmnist/core';
import { columnWidths, LayerNamer, readableMemorySize, Sequential, wrapCell } from '@fmnist/nn';
import { describe, expect, it } from 'vitest';
import { FULL_SHAPE, HALF_SHAPE, part1Spec, part2Spec } from '../src/models.js';

const backend = new JsBackend();
const dense = (inputs: number, units: number, bias = true) => inputs * units + (bias ? units : 0);

describe("the study's six models", () => {
  const half = 14 * 28; // 392 inputs
  const full = 28 * 28; // 784 inputs
  const cases = [
    {
      name: 'part 1, 28x28',
      spec: part1Spec('full', FULL_SHAPE),
      trainable: dense(full, 128) + dense(128, 64) + dense(64, 10), // 100,480 + 8,256 + 650
      nonTrainable: 0,
      expectTotal: 109_386,
    },
    {
      name: 'part 1, 14x28 (top and bottom)',
      spec: part1Spec('top', HALF_SHAPE),
      trainable: dense(half, 128) + dense(128, 64) + dense(64, 10), // 50,304 + 8,256 + 650
      nonTrainable: 0,
      expectTotal: 59_210,
    },
    ...(['base', 'early-stopping', 'dropout'] as const).map((v) => ({
      name: `part 2, ${v}`,
      spec: part2Spec(v),
      trainable: dense(half, 128) + dense(128, 64) + dense(64, 32) + dense(32, 10),
      nonTrainable: 0,
      expectTotal: 60_970,
    })),
    {
      name: 'part 2, batch-norm',
      spec: part2Spec('batch-norm'),
      // Dense without bias, then BN's gamma and beta (trainable) and its two moving statistics.
      trainable:
        dense(half, 128, false) +
        2 * 128 +
        dense(128, 64, false) +
        2 * 64 +
        dense(64, 32, false) +
        2 * 32 +
        dense(32, 10),
      nonTrainable: 2 * (128 + 64 + 32),
      expectTotal: 61_642,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.expectTotal} parameters`, () => {
      const model = new Sequential(c.spec, { backend });
      expect(model.countParams()).toEqual({
        total: c.trainable + c.nonTrainable,
        trainable: c.trainable,
        nonTrainable: c.nonTrainable,
      });
      expect(c.trainable + c.nonTrainable).toBe(c.expectTotal);
    });
  }

  it('names layers as Keras does, and weights in Keras order', () => {
    const model = new Sequential(part2Spec('batch-norm'), { backend });
    expect(model.layers.map((l) => l.name)).toEqual([
      'flatten',
      'dense',
      'batch_normalization',
      'dense_1',
      'batch_normalization_1',
      'dense_2',
      'batch_normalization_2',
      'dense_3',
    ]);
    expect(model.weights.slice(0, 5).map((w) => w.name)).toEqual([
      'dense/kernel',
      'batch_normalization/gamma',
      'batch_normalization/beta',
      'batch_normalization/moving_mean',
      'batch_normalization/moving_variance',
    ]);
    const dropout = new Sequential(part2Spec('dropout'), { backend });
    expect(dropout.layers.map((l) => l.name)).toContain('dropout_2');
  });

  it('numbers layers across models when they share a namer, like one Keras session', () => {
    const namer = new LayerNamer();
    new Sequential(part1Spec('full', FULL_SHAPE), { backend, namer });
    const second = new Sequential(part1Spec('top', HALF_SHAPE), { backend, namer });
    expect(second.layers.map((l) => l.name)).toEqual([
      'flatten_1',
      'dense_3',
      'dense_4',
      'dense_5',
    ]);
  });
});

describe('summary()', () => {
  it('prints the layout Keras 3 prints (88 columns)', () => {
    const model = new Sequential(part1Spec('top', HALF_SHAPE), { backend });
    expect(model.summary()).toBe(
      [
        'Model: "top"',
        '┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓',
        '┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃',
        '┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩',
        '│ flatten (Flatten)                    │ (None, 392)                 │               0 │',
        '├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤',
        '│ dense (Dense)                        │ (None, 128)                 │          50,304 │',
        '├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤',
        '│ dense_1 (Dense)                      │ (None, 64)                  │           8,256 │',
        '├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤',
        '│ dense_2 (Dense)                      │ (None, 10)                  │             650 │',
        '└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘',
        ' Total params: 59,210 (231.29 KB)',
        ' Trainable params: 59,210 (231.29 KB)',
        ' Non-trainable params: 0 (0.00 B)',
        '',
      ].join('\n'),
    );
  });

  it('wraps a long layer name onto a second line as rich does', () => {
    const text = new Sequential(part2Spec('batch-norm'), { backend }).summary({ lineLength: 76 });
    expect(text).toContain(
      '│ batch_normalization             │ (None, 128)            │           512 │\n' +
        '│ (BatchNormalization)            │                        │               │\n',
    );
    expect(text).toContain(' Non-trainable params: 448 (1.75 KB)');
  });

  it("reproduces rich's column arithmetic and Keras's byte sizes", () => {
    // 88 columns: Keras asks for 39/31/18; rich adds 2 padding each and 4 borders (98 > 88),
    // then takes the 10 back evenly: 3, 4 (Python rounds 3.5 to even), 3.
    expect(columnWidths(88)).toEqual([36, 27, 15]);
    expect(readableMemorySize(59_210 * 4)).toBe('231.29 KB');
    expect(readableMemorySize(0)).toBe('0.00 B');
    expect(readableMemorySize(3 * 1024 * 1024)).toBe('3.00 MB');
    expect(wrapCell('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
  });

  it('lists the optimizer variables once the optimizer has stepped, as Keras does', () => {
    const model = new Sequential(part1Spec('top', HALF_SHAPE), { backend });
    model.compile({ optimizer: { type: 'adam' } });
    model.trainOnBatch(new Float32Array(392), [3]);
    // Adam: m and v per weight (2 × 59,210) plus its iteration count (int64) and learning rate:
    // 118,420 × 4 + 8 + 4 = 473,692 bytes.
    expect(model.summary()).toContain(' Optimizer params: 118,422 (462.59 KB)');
    expect(model.summary()).toContain(' Total params: 177,632 (693.88 KB)');
    const sgd = new Sequential(part1Spec('top', HALF_SHAPE), { backend });
    sgd.compile({ optimizer: { type: 'sgd', learningRate: 0.1 } });
    expect(sgd.summary()).not.toContain('Optimizer params');
    sgd.trainOnBatch(new Float32Array(392), [3]);
    expect(sgd.summary()).toContain(' Optimizer params: 2 (12.00 B)');
  });
});
