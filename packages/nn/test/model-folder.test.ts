import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '@fmnist/core';
import { MANIFEST } from '@fmnist/files/node';
import { describe, expect, it } from 'vitest';
import { denseStack } from '../src/dense-stack.js';
import { ModelFileError } from '../src/errors.js';
import {
  decodeLayersModel,
  encodeLayersModel,
  type LayersModelJson,
  MODEL_JSON,
  WEIGHTS_SHARD,
} from '../src/io/tfjs-format.js';
import { loadModel, readModelFolder, saveModel } from '../src/node/model-folder.js';
import { Sequential } from '../src/sequential.js';
import type { ModelSpec } from '../src/spec.js';

const backend = new JsBackend();

const SPECS: ModelSpec[] = [
  denseStack('base', [14, 28], [16, 8]),
  denseStack('batch-norm', [14, 28], [16, 8], { batchNormalization: true }),
  denseStack('dropout', [28, 28], [16], { dropout: 0.3 }),
  {
    name: 'odd',
    inputShape: [5],
    layers: [
      { type: 'dense', units: 3, activation: 'linear' },
      { type: 'batchNormalization', momentum: 0.9, epsilon: 0.01 },
      { type: 'dense', units: 4, activation: 'softmax', useBias: false },
    ],
  },
];

/** A model whose weights (moving statistics too) have moved away from their initial values. */
async function trained(spec: ModelSpec): Promise<Sequential> {
  const model = new Sequential(spec, { seed: 3, backend });
  model.compile({ optimizer: { type: 'adam' } });
  const size = spec.inputShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: 8 * size }, (_, i) => ((i * 37) % 101) / 101);
  await model.fit(x, [1, 2, 3, 0, 1, 2, 3, 0], { batchSize: 4 });
  return model;
}

function bits(arrays: ArrayLike<number>[]): string {
  return arrays
    .map((a) => Buffer.from(Float32Array.from(a as ArrayLike<number>).buffer).toString('hex'))
    .join('|');
}

const tmp = () => mkdtempSync(join(tmpdir(), 'nn-model-'));

describe('saveModel / loadModel (TF.js Layers format)', () => {
  for (const spec of SPECS) {
    it(`round-trips '${spec.name}' bit for bit: spec, every weight, moving statistics`, async () => {
      const model = await trained(spec);
      const dir = join(tmp(), spec.name);
      const written = await saveModel(model, dir, { metadata: { fmnist: { crop: 'top' } } });
      expect(written).toEqual([WEIGHTS_SHARD, MODEL_JSON]);
      expect(readdirSync(dir).sort()).toEqual([MANIFEST, WEIGHTS_SHARD, MODEL_JSON].sort());
      const loaded = await loadModel(dir, { backend });
      expect(loaded.spec).toEqual(model.spec);
      expect((await readModelFolder(dir)).metadata).toEqual({ fmnist: { crop: 'top' } });
      expect(bits(loaded.getWeights())).toBe(bits(model.getWeights()));
      // the same probabilities, to the bit
      const x = new Float32Array(loaded.inputSize * 3).fill(0.25);
      expect(bits([loaded.predict(x)])).toBe(bits([model.predict(x)]));
    });
  }

  it('writes what TF.js writes: Keras class names, configs, names, a float32 manifest', async () => {
    const model = await trained(SPECS[1]!);
    const { modelJson, shards } = encodeLayersModel(model);
    expect(modelJson.format).toBe('layers-model');
    const layers = modelJson.modelTopology.config.layers;
    expect(layers.map((l) => l.class_name)).toEqual([
      'Flatten',
      'Dense',
      'BatchNormalization',
      'Dense',
      'BatchNormalization',
      'Dense',
    ]);
    expect(layers.map((l) => l.config.name)).toEqual([
      'flatten',
      'dense',
      'batch_normalization',
      'dense_1',
      'batch_normalization_1',
      'dense_2',
    ]);
    expect(layers[0]!.config.batch_input_shape).toEqual([null, 14, 28]);
    expect(layers[1]!.config).toMatchObject({ units: 16, activation: 'relu', use_bias: false });
    const manifest = modelJson.weightsManifest[0]!;
    expect(manifest.paths).toEqual([WEIGHTS_SHARD]);
    expect(manifest.weights.slice(1, 5)).toEqual([
      { name: 'batch_normalization/gamma', shape: [16], dtype: 'float32' },
      { name: 'batch_normalization/beta', shape: [16], dtype: 'float32' },
      { name: 'batch_normalization/moving_mean', shape: [16], dtype: 'float32' },
      { name: 'batch_normalization/moving_variance', shape: [16], dtype: 'float32' },
    ]);
    const bytes = shards.get(WEIGHTS_SHARD)!;
    expect(bytes.length).toBe(4 * model.weights.reduce((n, w) => n + w.value.length, 0));
    // little-endian float32: the first kernel entry read back by hand
    const first = new DataView(bytes.buffer, bytes.byteOffset).getFloat32(0, true);
    expect(first).toBe(model.weights[0]!.value[0]);
  });

  it('finds weights by name, in any manifest order, across several shards', async () => {
    const model = await trained(SPECS[1]!);
    const { modelJson, shards } = encodeLayersModel(model);
    const entries = modelJson.weightsManifest[0]!.weights;
    const all = shards.get(WEIGHTS_SHARD)!;
    // reorder as TF.js does (trainable first, then moving statistics) and split the bytes
    const order = entries
      .map((e, i) => ({ e, i }))
      .sort((a, b) => {
        const moving = (n: string) => (n.includes('moving_') ? 1 : 0);
        return moving(a.e.name) - moving(b.e.name);
      });
    const offsets: number[] = [];
    let at = 0;
    for (const e of entries) {
      offsets.push(at);
      at += 4 * e.shape.reduce((x, y) => x * y, 1);
    }
    const parts = order.map(({ e, i }) =>
      all.slice(offsets[i]!, offsets[i]! + 4 * e.shape.reduce((x, y) => x * y, 1)),
    );
    const joined = Buffer.concat(parts);
    const cut = Math.floor(joined.length / 2);
    const json = {
      ...modelJson,
      weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: order.map(({ e }) => e) }],
    };
    const files = new Map([
      ['a.bin', new Uint8Array(joined.subarray(0, cut))],
      ['b.bin', new Uint8Array(joined.subarray(cut))],
    ]);
    const decoded = decodeLayersModel(json, (p) => files.get(p));
    expect(bits(decoded.weights.map((w) => w.data))).toBe(bits(model.getWeights()));
  });

  it('replaces an earlier saved model whole, keeps a file the user added, leaves no temporary folder', async () => {
    const root = tmp();
    const dir = join(root, 'm');
    await saveModel(await trained(SPECS[0]!), dir);
    const second = await trained(SPECS[2]!);
    writeFileSync(join(dir, 'README.txt'), 'what this model is');
    await saveModel(second, dir);
    expect(readdirSync(root)).toEqual(['m']);
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toBe('what this model is');
    expect((await loadModel(dir, { backend })).spec.name).toBe('dropout');
  });

  it('refuses to write over a folder fmnist did not write (even a TF.js model), or a file', async () => {
    const root = tmp();
    mkdirSync(join(root, 'notes'));
    writeFileSync(join(root, 'notes', 'thesis.tex'), 'mine');
    const model = await trained(SPECS[0]!);
    await expect(saveModel(model, join(root, 'notes'))).rejects.toThrow(
      /^Could not write the model to .*notes: .*notes is not empty and was not written by fmnist \(it has no \.fmnist-manifest\.json\), so nothing in it will be replaced; choose a new or empty folder for the model$/,
    );
    expect(readFileSync(join(root, 'notes', 'thesis.tex'), 'utf8')).toBe('mine');
    // A model saved by TF.js itself is the user's too.
    mkdirSync(join(root, 'tfjs'));
    writeFileSync(join(root, 'tfjs', MODEL_JSON), '{}');
    writeFileSync(join(root, 'tfjs', 'weights.bin'), 'w');
    await expect(saveModel(model, join(root, 'tfjs'))).rejects.toThrow(/was not written by fmnist/);
    expect(readdirSync(join(root, 'tfjs')).sort()).toEqual([MODEL_JSON, 'weights.bin']);
    writeFileSync(join(root, 'file'), 'x');
    await expect(saveModel(model, join(root, 'file'))).rejects.toThrow(/is a file, not a folder/);
  });
});

describe('loadModel refuses what it cannot load, in one line', () => {
  /** A valid saved folder whose model.json or shard a case then spoils. */
  async function saved(spec = SPECS[1]!): Promise<{ dir: string; json: LayersModelJson }> {
    const dir = join(tmp(), 'model');
    await saveModel(await trained(spec), dir);
    return { dir, json: JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) };
  }
  const rewrite = (dir: string, json: unknown) =>
    writeFileSync(join(dir, MODEL_JSON), JSON.stringify(json));

  const cases: [string, (json: LayersModelJson) => unknown, RegExp][] = [
    [
      'an unsupported layer class',
      (j) => {
        j.modelTopology.config.layers.splice(1, 0, { class_name: 'Conv2D', config: { name: 'c' } });
        return j;
      },
      /layer 1 'c' \(Conv2D\): the layer class "Conv2D" is not supported; the custom engine builds Flatten, Dense/,
    ],
    [
      'an unsupported activation',
      (j) => {
        j.modelTopology.config.layers[1]!.config.activation = 'elu';
        return j;
      },
      /layer 1 'dense' \(Dense\) has activation "elu"; the custom engine has relu, sigmoid, tanh, softmax and linear/,
    ],
    [
      'a weight stored as float16',
      (j) => {
        j.weightsManifest[0]!.weights[0]!.dtype = 'float16';
        return j;
      },
      /stores weight 'dense\/kernel' as float16; only float32 weights load/,
    ],
    [
      'a quantised weight',
      (j) => {
        j.weightsManifest[0]!.weights[0]!.quantization = { dtype: 'uint8', scale: 1, min: 0 };
        return j;
      },
      /stores weight 'dense\/kernel' quantised/,
    ],
    [
      'a shape that does not fit the layer',
      (j) => {
        // 16 x 8 listed as 8 x 16: as many bytes, the wrong shape
        const w = j.weightsManifest[0]!.weights.find((e) => e.name === 'dense_1/kernel')!;
        w.shape = [8, 16];
        return j;
      },
      /gives weight 'dense_1\/kernel' the shape \[8, 16\], but the layer needs \[16, 8\]/,
    ],
    [
      'a missing shard',
      (j) => {
        j.weightsManifest[0]!.paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
        return j;
      },
      /lists the weights file 'group1-shard1of2\.bin', which is missing; copy it beside model\.json/,
    ],
    [
      'a shard outside the folder',
      (j) => {
        j.weightsManifest[0]!.paths = ['../elsewhere.bin'];
        return j;
      },
      /lists the weights file '\.\.\/elsewhere\.bin', outside the model's folder/,
    ],
    [
      'a weight the manifest lacks',
      (j) => {
        j.modelTopology.config.layers[1]!.config.name = 'renamed';
        return j;
      },
      /has no weight 'renamed\/kernel' in its weightsManifest/,
    ],
    [
      'a graph model',
      (j) => ({ ...j, format: 'graph-model' }),
      /has format 'graph-model', not 'layers-model'/,
    ],
    [
      'a functional model',
      (j) => ({ ...j, modelTopology: { ...j.modelTopology, class_name: 'Functional' } }),
      /holds a Functional model; only Sequential models/,
    ],
    [
      'no input shape',
      (j) => {
        delete j.modelTopology.config.layers[0]!.config.batch_input_shape;
        return j;
      },
      /declares no input shape/,
    ],
    [
      'layers that do not fit together',
      (j) => {
        j.modelTopology.config.layers.splice(0, 1);
        j.modelTopology.config.layers[0]!.config.batch_input_shape = [null, 14, 28];
        return j;
      },
      /cannot be built: .*expects flat input rows/,
    ],
  ];
  for (const [what, spoil, message] of cases) {
    it(`refuses ${what}`, async () => {
      const { dir, json } = await saved();
      rewrite(dir, spoil(json));
      const error = await loadModel(dir, { backend }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelFileError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    });
  }

  it('refuses bad JSON, a truncated shard, a foreign shard, a missing folder and no model.json', async () => {
    const { dir } = await saved();
    const shard = readFileSync(join(dir, WEIGHTS_SHARD));
    writeFileSync(join(dir, WEIGHTS_SHARD), shard.subarray(0, shard.length - 8));
    await expect(readModelFolder(dir)).rejects.toThrow(
      /the weights file is truncated; save the model again/,
    );
    writeFileSync(join(dir, WEIGHTS_SHARD), Buffer.concat([shard, Buffer.alloc(8)]));
    await expect(readModelFolder(dir)).rejects.toThrow(/does not belong to this model\.json/);
    writeFileSync(join(dir, MODEL_JSON), '{"format": "layers-model", ');
    await expect(readModelFolder(dir)).rejects.toThrow(/is not valid JSON/);
    await expect(readModelFolder(join(dir, 'nope'))).rejects.toThrow(
      /does not exist; point --model at a folder/,
    );
    const empty = tmp();
    await expect(readModelFolder(empty)).rejects.toThrow(/holds no model\.json/);
  });

  it.skipIf(process.getuid?.() === 0)(
    'says to check permissions when model.json cannot be read (skipped as root: root reads everything)',
    async () => {
      const { dir } = await saved();
      chmodSync(join(dir, MODEL_JSON), 0o000);
      await expect(readModelFolder(dir)).rejects.toThrow(
        /cannot be read \(EACCES\); check its permissions/,
      );
    },
  );

  it('reads a model.json given as a file, and a Keras model_config wrapper with an InputLayer', async () => {
    const { dir, json } = await saved(SPECS[0]!);
    const layers = json.modelTopology.config.layers;
    const input = layers[0]!.config.batch_input_shape;
    delete layers[0]!.config.batch_input_shape;
    layers.unshift({ class_name: 'InputLayer', config: { batch_shape: input, name: 'input' } });
    rewrite(dir, { ...json, modelTopology: { model_config: json.modelTopology } });
    const decoded = await readModelFolder(join(dir, MODEL_JSON));
    expect(decoded.spec).toEqual(SPECS[0]);
  });
});
