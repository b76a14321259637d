// The TF.js reference builds every layer type of the engine's registry with tfjs-layers' own
// class, and names and orders its weights as the engine does.
import { LAYER_TYPES } from '@fmnist/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfBackend } from '../src/backend.js';
import { buildTfModel, TF_LAYER_BUILDERS } from '../src/build.js';
import { kerasWeightNames } from '../src/names.js';

describe('a TF.js builder for every registered layer type', () => {
  beforeAll(async () => {
    await initTfBackend();
  });
  for (const type of LAYER_TYPES) {
    it(`${type.kerasClass}: built with tfjs-layers' ${type.kerasClass}, weights in the engine's order`, () => {
      expect(Object.keys(TF_LAYER_BUILDERS)).toContain(type.type);
      const spec = type.example;
      const model = buildTfModel({
        name: 'm',
        // Flatten needs more than one dimension to flatten.
        inputShape: type.type === 'flatten' ? [2, 3] : [6],
        layers: [spec, { type: 'dense', units: 2, activation: 'softmax' }],
      });
      const layer = model.layers[0]!;
      expect(layer.getClassName()).toBe(type.kerasClass);
      expect(layer.weights.map((w) => w.name.split('/').at(-1)?.replace(/_\d+$/, ''))).toEqual(
        kerasWeightNames(spec),
      );
      model.dispose();
    });
  }
});
