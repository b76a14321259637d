import { readdirSync, readFileSync } from 'node:fs';
import { LAYER_TYPES as REGISTERED } from '@fmnist/nn';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { experimentJobs } from '../src/experiment/jobs.js';
import { ExperimentFileError, parseExperiment } from '../src/experiment/load.js';
import { experimentJsonSchema, LAYER_TYPES } from '../src/experiment/schema.js';
import { UnknownModelError } from '../src/models.js';

const dir = new URL('../../../experiments/', import.meta.url);
const shipped = readdirSync(dir).filter(
  (f) => f.endsWith('.json') && f !== 'package.json' && !f.endsWith('.schema.json'),
);

// biome-ignore lint/suspicious/noExplicitAny: the tests break a file's JSON in every way.
type Loose = any;

/** A valid two-model experiment to break one field at a time. */
function base(): Loose {
  const model = (name: string, crop: string, extra: Record<string, string> = {}) => ({
    name,
    crop,
    ...extra,
    layers: [
      { type: 'dense', units: 16, activation: 'relu' },
      { type: 'dropout', rate: 0.2 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    optimizer: { type: 'sgd', learningRate: 0.01 },
    epochs: 2,
  });
  return {
    name: 'halves',
    models: [model('left', 'left'), model('right', 'right', { sameInitialWeightsAs: 'left' })],
    comparisons: [{ models: ['left', 'right'] }],
  };
}

function refusal(edit: (e: Loose) => void): string {
  const file = base();
  edit(file);
  try {
    parseExperiment(JSON.stringify(file), 'my.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentFileError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('the file was accepted');
}

describe('experiment files: the shipped schema and examples', () => {
  it('experiments/experiment.schema.json is the one generated from the zod schema (run `pnpm --filter @fmnist/study schema` after changing it)', () => {
    const file = JSON.parse(readFileSync(new URL('experiment.schema.json', dir), 'utf8'));
    expect(file).toEqual(experimentJsonSchema());
  });

  it('there are the study and at least three examples', () => {
    expect(shipped).toContain('study.json');
    expect(shipped.length).toBeGreaterThanOrEqual(4);
  });

  for (const name of shipped) {
    it(`${name} is valid for the loader and for the JSON Schema (as an editor checks it)`, () => {
      const text = readFileSync(new URL(name, dir), 'utf8');
      const experiment = parseExperiment(text, name);
      expect(experiment.models.length).toBeGreaterThan(0);
      const ajv = new Ajv2020({ allErrors: true, strict: false });
      const validate = ajv.compile(experimentJsonSchema());
      expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    });
  }

  it('the JSON Schema refuses what the loader refuses by shape: an unknown field, a unit count of 0, an unknown crop', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(experimentJsonSchema());
    for (const edit of [
      (e: Loose) => (e.extra = 1),
      (e: Loose) => (e.models[0].layers[0].units = 0),
      (e: Loose) => (e.models[0].crop = 'middle'),
    ]) {
      const file = base();
      edit(file);
      expect(validate(file)).toBe(false);
    }
    expect(validate(base())).toBe(true);
  });
});

describe('experiment files: what a valid file becomes', () => {
  it('defaults fill the models, a leading flatten is added, batch size 32 unless given', () => {
    const e = parseExperiment(
      JSON.stringify({
        name: 'x',
        defaults: {
          crop: 'top',
          layers: [{ type: 'dense', units: 10, activation: 'softmax' }],
          optimizer: { type: 'adam' },
          epochs: 3,
          earlyStopping: { patience: 1 },
        },
        models: [
          { name: 'a' },
          { name: 'b', crop: { rows: [3, 10], cols: [0, 28] }, batchSize: 64 },
        ],
      }),
      'x.json',
    );
    expect(e.models[0]).toEqual({
      name: 'a',
      crop: 'top',
      layers: [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }],
      optimizer: { type: 'adam' },
      epochs: 3,
      batchSize: 32,
      earlyStopping: { patience: 1 },
    });
    expect(e.models[1]!.batchSize).toBe(64);
    expect(e.comparisons).toEqual([]);
    const jobs = experimentJobs(e, { epochs: 1 });
    expect(jobs.map((j) => [j.name, j.spec.inputShape, j.epochs])).toEqual([
      ['a', [14, 28], 1],
      ['b', [7, 28], 1],
    ]);
  });

  it("sameInitialWeightsAs becomes the job's reset; --model keeps one model (and drops its reset) or names the ones there are", () => {
    const e = parseExperiment(JSON.stringify(base()), 'my.json');
    const jobs = experimentJobs(e);
    expect(jobs[1]!.resetFrom).toBe('left');
    expect(jobs[1]!.spec.inputShape).toEqual([28, 14]);
    expect(experimentJobs(e, { model: 'right' })).toEqual(
      [{ ...jobs[1], resetFrom: undefined }].map(({ resetFrom: _, ...j }) => j),
    );
    expect(() => experimentJobs(e, { model: 'middle' })).toThrow(UnknownModelError);
    expect(() => experimentJobs(e, { model: 'middle' })).toThrow(/left, right/);
  });
});

describe('experiment files: each kind of bad file is refused with one line naming the place', () => {
  it('JSON syntax: line and column', () => {
    expect(() => parseExperiment('{\n  "name": "x",\n  "models": [ }\n', 'bad.json')).toThrow(
      /^bad\.json: not valid JSON at line 3, column 15: a value was expected$/,
    );
  });
  it('unknown fields, with the allowed ones', () => {
    expect(refusal((e) => (e.models[1].unitz = 3))).toBe(
      "my.json: models[1]: unknown field 'unitz'; allowed: name, crop, layers, optimizer, epochs, batchSize, earlyStopping, sameInitialWeightsAs",
    );
    expect(refusal((e) => (e.model = []))).toMatch(
      /^my\.json: unknown field 'model'; allowed: name, title/,
    );
  });
  it('unknown layer, activation and optimizer types', () => {
    expect(refusal((e) => (e.models[0].layers[0] = { type: 'conv2d', filters: 8 }))).toBe(
      "my.json: models[0].layers[0].type: a layer's type must be one of dense, batchNormalization, dropout, flatten",
    );
    expect(refusal((e) => (e.models[0].layers[0].activation = 'gelu'))).toBe(
      'my.json: models[0].layers[0].activation: activation must be one of relu, sigmoid, tanh, softmax, linear',
    );
    expect(refusal((e) => (e.models[0].optimizer = { type: 'adagrad' }))).toBe(
      "my.json: models[0].optimizer.type: an optimizer's type must be one of sgd, adam, rmsprop",
    );
  });
  it('units below 1, above 65,536 or not whole', () => {
    expect(refusal((e) => (e.models[0].layers[0].units = 0))).toBe(
      'my.json: models[0].layers[0].units: units must be at least 1',
    );
    expect(refusal((e) => (e.models[1].layers[0].units = 65_537))).toBe(
      'my.json: models[1].layers[0].units: units must be at most 65,536',
    );
    expect(refusal((e) => (e.models[0].layers[0].units = 1.5))).toBe(
      'my.json: models[0].layers[0].units: units must be a whole number',
    );
  });
  it('a dropout rate outside [0, 1)', () => {
    for (const rate of [1, -0.1, 1.5]) {
      expect(refusal((e) => (e.models[1].layers[1].rate = rate))).toBe(
        'my.json: models[1].layers[1].rate: rate must be at least 0 and below 1',
      );
    }
  });
  it('an unknown crop, or rows/cols outside the image or empty', () => {
    expect(refusal((e) => (e.models[0].crop = 'middle'))).toMatch(
      /^my\.json: models\[0\]\.crop: crop must be one of full, top, bottom, left, right or/,
    );
    expect(refusal((e) => (e.models[0].crop = { rows: [0, 29], cols: [0, 28] }))).toBe(
      'my.json: models[0].crop.rows[1]: rows must lie within 0-28',
    );
    expect(refusal((e) => (e.models[0].crop = { rows: [5, 5], cols: [0, 28] }))).toBe(
      'my.json: models[0].crop.rows: rows [start, end) is empty: end must be above start',
    );
    expect(refusal((e) => (e.models[0].crop = { rows: [0, 14], cols: [-1, 28] }))).toBe(
      'my.json: models[0].crop.cols[0]: cols must lie within 0-28',
    );
  });
  it('duplicate model names', () => {
    expect(refusal((e) => (e.models[1].name = 'left'))).toBe(
      "my.json: models[1].name: 'left' is already the name of models[0]; names must be unique",
    );
  });
  it('a missing final 10-unit softmax layer', () => {
    const message =
      'the last layer must be { "type": "dense", "units": 10, "activation": "softmax" }';
    expect(refusal((e) => e.models[0].layers.pop())).toContain(
      `my.json: models[0].layers[1]: ${message}`,
    );
    expect(refusal((e) => (e.models[0].layers[2].units = 9))).toContain(
      `my.json: models[0].layers[2]: ${message}`,
    );
    expect(refusal((e) => (e.models[0].layers[2].activation = 'relu'))).toContain(message);
    expect(refusal((e) => (e.models[0].layers = []))).toBe(
      'my.json: models[0].layers: layers must not be empty',
    );
  });
  it('a flatten anywhere but first', () => {
    expect(refusal((e) => e.models[0].layers.splice(1, 0, { type: 'flatten' }))).toMatch(
      /^my\.json: models\[0\]\.layers\[1\]: flatten may only be the first layer/,
    );
  });
  it('sameInitialWeightsAs naming an unknown model, itself, or a different architecture', () => {
    expect(refusal((e) => (e.models[1].sameInitialWeightsAs = 'middle'))).toBe(
      "my.json: models[1].sameInitialWeightsAs: names no model of this file: 'middle'; models: left, right",
    );
    expect(refusal((e) => (e.models[1].sameInitialWeightsAs = 'right'))).toBe(
      "my.json: models[1].sameInitialWeightsAs: 'right' names itself; name another model",
    );
    expect(refusal((e) => (e.models[1].layers[0].units = 32))).toBe(
      "my.json: models[1].sameInitialWeightsAs: 'right' (28x14 -> Dense(32) -> Dropout -> Dense(10)) and 'left' (28x14 -> Dense(16) -> Dropout -> Dense(10)) differ in architecture, so they cannot start from the same weights",
    );
    expect(refusal((e) => (e.models[1].crop = 'top'))).toMatch(
      /'right' \(14x28 -> .*\) and 'left' \(28x14 -> .*\) differ in architecture/,
    );
  });
  it('a comparison naming an unknown model, one model twice, or fewer than two', () => {
    expect(refusal((e) => (e.comparisons[0].models[1] = 'middle'))).toBe(
      "my.json: comparisons[0].models[1]: names no model of this file: 'middle'; models: left, right",
    );
    expect(refusal((e) => (e.comparisons[0].models = ['left', 'left']))).toBe(
      "my.json: comparisons[0].models[1]: 'left' is listed twice",
    );
    expect(refusal((e) => (e.comparisons[0].models = ['left']))).toBe(
      'my.json: comparisons[0].models: a comparison names at least two models',
    );
  });
  it('epochs or batch size out of range', () => {
    expect(refusal((e) => (e.models[0].epochs = 0))).toBe(
      'my.json: models[0].epochs: epochs must be within 1-1000',
    );
    expect(refusal((e) => (e.models[0].epochs = 1001))).toBe(
      'my.json: models[0].epochs: epochs must be within 1-1000',
    );
    expect(refusal((e) => (e.models[0].batchSize = 0))).toBe(
      'my.json: models[0].batchSize: batchSize must be within 1-50,000',
    );
    expect(refusal((e) => (e.models[0].batchSize = 50_001))).toBe(
      'my.json: models[0].batchSize: batchSize must be within 1-50,000',
    );
  });
  it('a required field neither the model nor defaults gives', () => {
    expect(refusal((e) => delete e.models[0].optimizer)).toBe(
      "my.json: models[0].optimizer: is required ('left' has none and defaults gives none)",
    );
  });
  it('a wrong type names what it expected', () => {
    expect(refusal((e) => (e.models[0].epochs = '10'))).toBe(
      'my.json: models[0].epochs: epochs must be a whole number',
    );
    expect(refusal((e) => (e.models = {}))).toMatch(/^my\.json: models: /);
  });
});

describe('the schema and the layer registry', () => {
  it('offers every layer type the engine registers, and no other', () => {
    expect([...LAYER_TYPES].sort()).toEqual(REGISTERED.map((t) => t.type).sort());
  });
});
