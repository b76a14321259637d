// The layer registry: each layer type described once, and everything that reads it agreeing
// with the layer it builds (class, names, weights, config both ways, formula, file).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsBackend, Rng } from '@fmnist/core';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { decodeLayersModel, encodeLayersModel } from '../src/io/tfjs-format.js';
import type { LayerType } from '../src/layers/layer-type.js';
import {
  LAYER_TYPES,
  LOADABLE_LAYERS,
  layerType,
  layerTypeOfKerasClass,
} from '../src/layers/registry.js';
import { Sequential } from '../src/sequential.js';
import type { ModelSpec } from '../src/spec.js';

const backend = new JsBackend();

describe('the layer registry', () => {
  it('registers each type once, under its own type and Keras class', () => {
    expect(new Set(LAYER_TYPES.map((t) => t.type)).size).toBe(LAYER_TYPES.length);
    expect(new Set(LAYER_TYPES.map((t) => t.kerasClass)).size).toBe(LAYER_TYPES.length);
    for (const t of LAYER_TYPES) expect(t.example.type).toBe(t.type);
  });

  for (const type of LAYER_TYPES) {
    describe(type.kerasClass, () => {
      const spec = type.example;
      const built = () =>
        (type as LayerType).build(spec, 'x', [6], { backend, dtype: 'float32', rng: new Rng(1) });

      it('builds a layer of its Keras class whose weights are named and ordered as it says', () => {
        const layer = built();
        expect(layer.className).toBe(type.kerasClass);
        expect(layer.weights.map((w) => w.name)).toEqual(
          (type as LayerType).weightNames(spec).map((n) => `x/${n}`),
        );
      });

      it('counts its weights and output size from the shapes as the built layer has them', () => {
        const layer = built();
        const sizes = (type as LayerType).sizes(spec, 6);
        expect(sizes.weights).toBe(layer.weights.reduce((n, w) => n + w.value.length, 0));
        expect(sizes.outputSize).toBe(layer.outputShape.reduce((a, b) => a * b, 1));
      });

      it('writes its config and reads it back to the same spec', () => {
        const config = (type as LayerType).toConfig(spec, 'x');
        expect(config.name).toBe('x');
        const read = (type as LayerType).fromConfig(config, {
          fail: (why) => {
            throw new Error(why);
          },
          show: (v) => JSON.stringify(v),
        });
        expect(read).toEqual(spec);
      });

      it('is found by its type and its Keras class; its formula is in its own file', () => {
        expect(layerType(type.type)).toBe(type);
        expect(layerTypeOfKerasClass(type.kerasClass)).toBe(type);
        expect(type.formula.startsWith(`${type.kerasClass}`)).toBe(true);
        const file = fileURLToPath(new URL(`../src/${type.file}`, import.meta.url));
        expect(existsSync(file)).toBe(true);
        const source = readFileSync(file, 'utf8');
        expect(source).toContain(type.formula.split('\n')[0]);
        expect(LOADABLE_LAYERS).toContain(type.loads);
      });
    });
  }

  it('numbers layers with each type’s Keras base name, in a model and in a saved model.json', () => {
    const spec: ModelSpec = {
      name: 'm',
      inputShape: [2, 3],
      layers: [
        { type: 'flatten' },
        { type: 'dense', units: 4, activation: 'relu', useBias: false },
        { type: 'batchNormalization' },
        { type: 'dropout', rate: 0.5 },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
    };
    const model = new Sequential(spec, { backend });
    expect(model.layers.map((l) => l.name)).toEqual([
      'flatten',
      'dense',
      'batch_normalization',
      'dropout',
      'dense_1',
    ]);
    const files = encodeLayersModel(model);
    expect(files.modelJson.modelTopology.config.layers.map((l) => l.class_name)).toEqual([
      'Flatten',
      'Dense',
      'BatchNormalization',
      'Dropout',
      'Dense',
    ]);
    const decoded = decodeLayersModel(files.modelJson, (p) => files.shards.get(p));
    expect(decoded.spec).toEqual({ ...spec, name: 'm' });
  });

  it('refuses an unknown type, naming the registered ones', () => {
    expect(() => layerType('conv2d' as never)).toThrow(InvalidArgumentError);
    expect(
      () =>
        new Sequential(
          { name: 'm', inputShape: [4], layers: [{ type: 'conv2d' } as never] },
          { backend },
        ),
    ).toThrow(
      "Model 'm': unknown layer type 'conv2d' at position 0; use 'flatten', 'dense', 'batchNormalization' or 'dropout'.",
    );
  });
});
