/**
 * The Keras 3 constants the study depends on (docs/study.md, "The rules of Keras 3 that both engines follow"), pinned as
 * literals here and read back from both engines, each from its own code: a wrong or changed
 * constant in either engine fails this test, even where the two would still agree.
 */
import { JsBackend } from '@fmnist/core';
import { BatchNormalization, Dense, Sequential } from '@fmnist/nn';
import { TfReference } from '@fmnist/tf';
import { describe, expect, it } from 'vitest';
import { PART2_OPTIMIZER, part2Spec } from '../src/models.js';

const KERAS3 = {
  batchNormalization: { momentum: 0.99, epsilon: 1e-3 },
  adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  rmsprop: { learningRate: 1e-3, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
  sgd: { momentum: 0, nesterov: false },
};

describe('Keras 3 constants, in both engines', () => {
  it('BatchNormalization: momentum 0.99, epsilon 1e-3', async () => {
    const spec = part2Spec('batch-norm');
    const custom = new Sequential(spec, { backend: new JsBackend() });
    const norms = custom.layers.filter(
      (l): l is BatchNormalization => l instanceof BatchNormalization,
    );
    expect(norms).toHaveLength(3);
    for (const bn of norms) {
      expect(bn.momentum).toBe(KERAS3.batchNormalization.momentum);
      expect(bn.epsilon).toBe(KERAS3.batchNormalization.epsilon);
    }
    const reference = await TfReference.create(spec, { optimizer: PART2_OPTIMIZER });
    try {
      const configs = reference.model.layers
        .filter((l) => l.getClassName() === 'BatchNormalization')
        .map((l) => l.getConfig());
      expect(configs).toHaveLength(3);
      for (const config of configs) {
        expect(config.momentum).toBe(KERAS3.batchNormalization.momentum);
        expect(config.epsilon).toBe(KERAS3.batchNormalization.epsilon);
      }
    } finally {
      reference.dispose();
    }
  });

  it('Adam: lr 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7 (the study asks for the defaults)', async () => {
    expect(PART2_OPTIMIZER).toEqual({ type: 'adam' });
    const custom = new Sequential(part2Spec('base'), { backend: new JsBackend() });
    custom.compile({ optimizer: PART2_OPTIMIZER });
    expect(custom.optimizer!.config).toMatchObject({ type: 'adam', ...KERAS3.adam });
    const reference = await TfReference.create(part2Spec('base'), { optimizer: PART2_OPTIMIZER });
    try {
      const a = KERAS3.adam;
      expect(reference.optimizerDescription).toBe(
        `keras3 adam(lr=${a.learningRate}, beta1=${a.beta1}, beta2=${a.beta2}, epsilon=${a.epsilon})`,
      );
    } finally {
      reference.dispose();
    }
  });

  it('RMSprop: lr 1e-3, rho 0.9, momentum 0, epsilon 1e-7, not centered; SGD: momentum 0, not Nesterov', async () => {
    const custom = new Sequential(part2Spec('base'), { backend: new JsBackend() });
    custom.compile({ optimizer: { type: 'rmsprop' } });
    const r = KERAS3.rmsprop;
    expect(custom.optimizer!.config).toEqual({
      type: 'rmsprop',
      ...r,
      centered: String(r.centered),
    });
    custom.compile({ optimizer: { type: 'sgd', learningRate: 0.1 } });
    expect(custom.optimizer!.config).toEqual({ type: 'sgd', learningRate: 0.1 });
    const reference = await TfReference.create(part2Spec('base'), {
      optimizer: { type: 'rmsprop' },
    });
    try {
      expect(reference.optimizerDescription).toBe(
        `keras3 rmsprop(lr=${r.learningRate}, rho=${r.rho}, momentum=${r.momentum}, epsilon=${r.epsilon}, centered=${r.centered})`,
      );
    } finally {
      reference.dispose();
    }
    const sgd = await TfReference.create(part2Spec('base'), {
      optimizer: { type: 'sgd', learningRate: 0.1 },
    });
    try {
      // Momentum 0 is plain SGD, TF.js's own, as Keras's momentum=0.0 is.
      expect(sgd.optimizerDescription).toBe('sgd(lr=0.1)');
    } finally {
      sgd.dispose();
    }
  });

  it('Dense kernels: Glorot uniform, limit sqrt(6 / (fan_in + fan_out)); biases zero', async () => {
    const spec = part2Spec('base');
    const custom = new Sequential(spec, { seed: 3, backend: new JsBackend() });
    const reference = await TfReference.create(spec, { optimizer: PART2_OPTIMIZER });
    try {
      // tfjs's own initialisers, before any setWeights.
      const tfWeights = reference.getWeights();
      const dense = custom.layers.filter((l): l is Dense => l instanceof Dense);
      for (const layer of dense) {
        const [fanIn, fanOut] = layer.kernel.shape as [number, number];
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        const tfKernel = tfWeights.find((w) => w.name === layer.kernel.name)!.values;
        for (const values of [layer.kernel.value, tfKernel]) {
          let max = 0;
          let sumSq = 0;
          for (const v of values) {
            max = Math.max(max, Math.abs(v));
            sumSq += v * v;
          }
          // Uniform on (−l, l): every draw inside, the largest near l, variance l²/3.
          expect(max).toBeLessThanOrEqual(limit);
          expect(max).toBeGreaterThan(limit * (values.length > 500 ? 0.99 : 0.8));
          const variance = sumSq / values.length;
          expect(Math.abs(variance / ((limit * limit) / 3) - 1)).toBeLessThan(
            values.length > 500 ? 0.1 : 0.5,
          );
        }
        const tfBias = tfWeights.find((w) => w.name === layer.bias!.name)!.values;
        expect([...layer.bias!.value].every((v) => v === 0)).toBe(true);
        expect([...tfBias].every((v) => v === 0)).toBe(true);
      }
    } finally {
      reference.dispose();
    }
  });
});
