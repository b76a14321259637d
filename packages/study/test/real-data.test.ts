/**
 * Training on real Fashion-MNIST (a subset, to stay fast on two cores): the loss goes down and
 * accuracy ends well above chance (10 %) for the study's models. Skipped when the dataset is
 * not installed (Debian package dataset-fashion-mnist, or FASHION_MNIST_DIR).
 */

import { Sequential } from '@fmnist/nn';
import { describe, expect, it } from 'vitest';
import { HALF_SHAPE, PART1_OPTIMIZER, PART2_MODELS, part1Spec, part2Spec } from '../src/models.js';
import { haveFashionMnist, loadSubset } from './helpers/fashion.js';

describe.skipIf(!haveFashionMnist())('training on Fashion-MNIST (top half)', () => {
  const train = haveFashionMnist() ? loadSubset('train', 0, 2000) : null;
  const test = haveFashionMnist() ? loadSubset('t10k', 0, 500) : null;

  it('the base model (Adam): loss falls every epoch and test accuracy is well above chance', async () => {
    const model = new Sequential(part2Spec('base'), { seed: 1 });
    model.compile({ optimizer: { type: 'adam' }, metrics: ['accuracy'] });
    const history = await model.fit(train!.x, train!.y, {
      epochs: 3,
      batchSize: 32,
      validationData: [test!.x, test!.y],
    });
    const loss = history.history.loss!;
    expect(loss[1]).toBeLessThan(loss[0]!);
    expect(loss[2]).toBeLessThan(loss[1]!);
    expect(loss[0]).toBeLessThan(Math.log(10)); // below the loss of guessing uniformly
    const { accuracy } = model.evaluate(test!.x, test!.y);
    expect(accuracy).toBeGreaterThan(0.65);
  });

  it("every other model of the study trains: part 1's SGD model and part 2's variants", async () => {
    const small = { x: train!.x.subarray(0, 800 * 392), y: train!.y.subarray(0, 800) };
    const models = [
      {
        spec: part1Spec('top', HALF_SHAPE),
        optimizer: { type: 'sgd' as const, learningRate: 0.01 },
      },
      ...PART2_MODELS.filter((v) => v !== 'base' && v !== 'early-stopping').map((v) => ({
        spec: part2Spec(v),
        optimizer: { type: 'adam' as const },
      })),
    ];
    for (const { spec, optimizer } of models) {
      const model = new Sequential(spec, { seed: 2 });
      model.compile({ optimizer });
      const history = await model.fit(small.x, small.y, { epochs: 2, batchSize: 32 });
      const loss = history.history.loss!;
      expect(loss[1], spec.name).toBeLessThan(loss[0]!);
      expect(model.evaluate(test!.x, test!.y).accuracy, spec.name).toBeGreaterThan(0.3);
    }
    // The study's own SGD learning rate (1e-4) is too slow to show progress in two short epochs.
    expect(PART1_OPTIMIZER).toEqual({ type: 'sgd', learningRate: 1e-4 });
  });
});
