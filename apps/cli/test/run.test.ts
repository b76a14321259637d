// `fmnist run FILE`, `crosscheck --experiment` and `explain --experiment`, run as a user runs them:
// the built-in study as a file gives the study's very numbers; each shipped example trains on
// both engines and passes its cross-check; every kind of bad file is refused before any work
// with exit 2 and one line naming the file and the place in it.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_NAMES } from '@fmnist/study';
import { describe, expect, it } from 'vitest';
import { fmnist } from './helpers.js';

const EXPERIMENTS = new URL('../../../experiments/', import.meta.url).pathname;
const EXAMPLES = [
  'halves-left-right.json',
  'dropout-rates.json',
  'widths.json',
  'regularisation-continued.json',
  'optimizers.json',
];

interface ModelJson {
  name: string;
  initialWeightsSha256: string;
  history: unknown[];
  test: { accuracy: number; predictions: number[] };
}

describe('fmnist run experiments/study.json is fmnist study', () => {
  it('the same initial-weight hashes, predictions and histories for all six models (--limit 2000 --epochs 1 --seed 5)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-run-'));
    const common = ['--limit', '2000', '--epochs', '1', '--seed', '5', '--no-explain', '--json'];
    const [study, run] = await Promise.all([
      fmnist(['study', ...common, '--out', join(dir, 'study')]),
      fmnist(['run', join(EXPERIMENTS, 'study.json'), ...common, '--out', join(dir, 'run')]),
    ]);
    expect(study.code, study.stderr).toBe(0);
    expect(run.code, run.stderr).toBe(0);
    const s = JSON.parse(study.stdout);
    const r = JSON.parse(run.stdout);
    const fromStudy: ModelJson[] = [...s.part1.models, ...s.part2.models];
    const fromRun: ModelJson[] = r.models;
    // The study's six, in its order (the names themselves: packages/study/test/plan.test.ts).
    expect(fromRun.map((m) => m.name)).toEqual([...MODEL_NAMES]);
    expect(fromRun.map((m) => m.name)).toEqual(fromStudy.map((m) => m.name));
    for (const [i, m] of fromRun.entries()) {
      expect(m.initialWeightsSha256).toBe(fromStudy[i]!.initialWeightsSha256);
      expect(m.test.predictions).toEqual(fromStudy[i]!.test.predictions);
      expect(m.history).toEqual(fromStudy[i]!.history);
    }
    // The file's comparisons: Part 1's pair and Part 2's group.
    expect(
      r.comparisons.map((c: { kind: string; models: string[] }) => [c.kind, c.models]),
    ).toEqual([
      ['pair', ['top', 'bottom']],
      ['group', ['base', 'early-stopping', 'batch-norm', 'dropout']],
    ]);
    expect(r.comparisons[0].sameInitialWeights).toBe(true);
    expect(r.experiment.models[0].layers[0]).toEqual({ type: 'flatten' });
  }, 300_000);
});

describe('windows are cropped each by its own bounds', () => {
  // Two windows of one size in one run, each from the same initial weights as the named half it
  // equals: each must train on its own pixels (features are cached by cropKey, one entry per
  // window's bounds), and so give that half's very predictions.
  it('a window equal to the top half predicts as top, one equal to the bottom half as bottom', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-windows-'));
    const file = join(dir, 'windows.json');
    const layers = [
      { type: 'dense', units: 16, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ];
    const optimizer = { type: 'sgd', learningRate: 0.1 };
    const model = (name: string, crop: unknown) => ({
      name,
      crop,
      layers,
      optimizer,
      epochs: 1,
      ...(name === 'top' ? {} : { sameInitialWeightsAs: 'top' }),
    });
    writeFileSync(
      file,
      JSON.stringify({
        name: 'windows',
        models: [
          model('top', 'top'),
          model('bottom', 'bottom'),
          model('upper-window', { rows: [0, 14], cols: [0, 28] }),
          model('lower-window', { rows: [14, 28], cols: [0, 28] }),
        ],
      }),
    );
    const run = await fmnist([
      'run',
      file,
      '--limit',
      '1000',
      '--no-explain',
      '--json',
      '--out',
      join(dir, 'out'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const models: ModelJson[] = JSON.parse(run.stdout).models;
    const predictions = (name: string) => models.find((m) => m.name === name)!.test.predictions;
    expect(predictions('upper-window')).toEqual(predictions('top'));
    expect(predictions('lower-window')).toEqual(predictions('bottom'));
    expect(predictions('lower-window')).not.toEqual(predictions('top'));
  }, 300_000);
});

describe.each(EXAMPLES)('experiments/%s', (name) => {
  const file = join(EXPERIMENTS, name);
  const dir = mkdtempSync(join(tmpdir(), 'fmnist-example-'));
  const common = ['--limit', '1000', '--epochs', '1', '--no-explain', '--json'];

  // Without dropout the engines train alike to rounding (same weights, same batches); with it
  // each engine draws its own masks (the cross-check below shares them), so after one short
  // epoch they are two different runs: both must still have learned (chance is 0.1).
  it('trains on both engines from the same initial weights: without dropout to within 0.01 of each other, with it both above chance', async () => {
    const custom = await fmnist(['run', file, ...common, '--out', join(dir, 'custom')]);
    const tf = await fmnist(['run', file, ...common, '--engine', 'tf', '--out', join(dir, 'tf')]);
    expect(custom.code, custom.stderr).toBe(0);
    expect(tf.code, tf.stderr).toBe(0);
    const a: ModelJson[] = JSON.parse(custom.stdout).models;
    const b: ModelJson[] = JSON.parse(tf.stdout).models;
    const experiment = JSON.parse(custom.stdout).experiment;
    expect(b.map((m) => m.name)).toEqual(a.map((m) => m.name));
    for (const [i, m] of a.entries()) {
      expect(b[i]!.initialWeightsSha256).toBe(m.initialWeightsSha256);
      const dropout = experiment.models[i].layers.some(
        (l: { type: string }) => l.type === 'dropout',
      );
      if (dropout) {
        expect(Math.min(m.test.accuracy, b[i]!.test.accuracy), m.name).toBeGreaterThan(0.15);
      } else {
        expect(Math.abs(b[i]!.test.accuracy - m.test.accuracy), m.name).toBeLessThan(0.01);
      }
    }
    const report = readFileSync(join(dir, 'custom', 'report.md'), 'utf8');
    for (const m of a) expect(report).toContain(`## ${m.name}: `);
  }, 300_000);

  it('passes its cross-check (crosscheck --experiment)', async () => {
    const run = await fmnist([
      'crosscheck',
      '--experiment',
      file,
      '--limit',
      '500',
      '--epochs',
      '1',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(true);
    expect(report.experiment.name).toBe(name.replace('.json', ''));
    const experiment = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.models.map((m: { name: string }) => m.name)).toEqual(
      experiment.models.map((m: { name: string }) => m.name),
    );
  }, 300_000);
});

describe('the left-vs-right report', () => {
  it('shows the pair as Part 1 shows top and bottom, and a saved right-half model predicts as it reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-lr-'));
    const out = join(dir, 'report');
    const run = await fmnist([
      'run',
      join(EXPERIMENTS, 'halves-left-right.json'),
      '--limit',
      '1000',
      '--epochs',
      '1',
      '--save-models',
      '--json',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /halves-left-right: 2 models, 2 epochs in all over 1,000 training images: 2,000 image passes/,
    );
    const json = JSON.parse(run.stdout);
    const [pair] = json.comparisons;
    expect(pair.kind).toBe('pair');
    expect(pair.sameInitialWeights).toBe(true);
    expect(pair.observations[0].text).toMatch(
      /for left, which sees the left half \(columns 0-13\), and .* for right, which sees the right half \(columns 14-27\)/,
    );
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## left: left half (columns 0-13)');
    expect(md).toMatch(/Right with left, wrong with right: [\d,]+ test images/);
    expect(existsSync(join(out, 'figures', 'comparison1-disagreements-left-right.svg'))).toBe(true);
    expect(existsSync(join(out, 'explain', 'right', 'report.html'))).toBe(true);
    const predicted = await fmnist(['predict', '--model', join(out, 'models', 'right'), '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const right = json.models.find((m: ModelJson) => m.name === 'right');
    expect(JSON.parse(predicted.stdout).test.predictions).toEqual(right.test.predictions);
  }, 300_000);

  it('--seeds: the pair gets McNemar and paired intervals over seeds, as Part 1 does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-lr-seeds-'));
    const run = await fmnist([
      'run',
      join(EXPERIMENTS, 'halves-left-right.json'),
      '--seeds',
      '2',
      '--limit',
      '500',
      '--epochs',
      '1',
      '--no-explain',
      '--json',
      '--out',
      join(dir, 'r'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const [pair] = JSON.parse(run.stdout).comparisons;
    expect(pair.seeds.seeds).toHaveLength(2);
    expect(pair.seeds.mcnemar.pooled.b + pair.seeds.mcnemar.pooled.c).toBeGreaterThan(0);
    expect(pair.observations[0].text).toMatch(
      /^Over 2 seeds test accuracy is .* from left and .* from right\. Left − right, paired by seed/,
    );
    expect(readFileSync(join(dir, 'r', 'report.md'), 'utf8')).toContain(
      '### left vs right over 2 seeds: which differences are real',
    );
  }, 300_000);

  it('explain --experiment walks a model of the file with its own crop', async () => {
    const run = await fmnist([
      'explain',
      '--experiment',
      join(EXPERIMENTS, 'halves-left-right.json'),
      '--model',
      'right',
      '--no-reference',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.model).toBe('right');
    expect(result.batch.shape).toEqual([32, 28, 14]);
    expect(result.batch.images).toContain('right half (columns 14-27)');
    expect(result.gradientCheck.ok).toBe(true);
  }, 120_000);
});

/** A valid experiment, as a user might start from, to break one thing at a time. */
function valid() {
  const model = (name: string, crop: string, sameInitialWeightsAs?: string) => ({
    name,
    crop,
    ...(sameInitialWeightsAs ? { sameInitialWeightsAs } : {}),
    layers: structuredClone(VALID_LAYERS),
    optimizer: { type: 'adam' },
    epochs: 1,
  });
  return {
    name: 'two',
    models: [model('a', 'left'), model('b', 'right', 'a')],
    comparisons: [{ models: ['a', 'b'] }],
  };
}
const VALID_LAYERS = [
  { type: 'dense', units: 8, activation: 'relu' },
  { type: 'dropout', rate: 0.5 },
  { type: 'dense', units: 10, activation: 'softmax' },
];
type File = ReturnType<typeof valid> & Record<string, unknown>;

const BAD: [string, (f: File) => File | string, string][] = [
  [
    'JSON syntax',
    () => '{\n  "name": "two",\n  "models": [,]\n}\n',
    'F: not valid JSON at line 3, column 14: a value was expected',
  ],
  [
    'an unknown field',
    (f) => ({ ...f, epochz: 3 }),
    "F: unknown field 'epochz'; allowed: name, title, description, seed, defaults, models, comparisons",
  ],
  [
    'an unknown layer type',
    (f) => {
      (f.models[0]!.layers as unknown[])[0] = { type: 'conv2d' };
      return f;
    },
    "F: models[0].layers[0].type: a layer's type must be one of dense, batchNormalization, dropout, flatten",
  ],
  [
    'units below 1',
    (f) => {
      f.models[0]!.layers[0]!.units = 0;
      return f;
    },
    'F: models[0].layers[0].units: units must be at least 1',
  ],
  [
    'units absurdly large',
    (f) => {
      f.models[0]!.layers[0]!.units = 100_000;
      return f;
    },
    'F: models[0].layers[0].units: units must be at most 65,536',
  ],
  [
    'a dropout rate of 1',
    (f) => {
      (f.models[1]!.layers[1] as { rate: number }).rate = 1;
      return f;
    },
    'F: models[1].layers[1].rate: rate must be at least 0 and below 1',
  ],
  [
    'an unknown crop',
    (f) => {
      (f.models[0] as { crop: unknown }).crop = 'middle';
      return f;
    },
    'F: models[0].crop: crop must be one of full, top, bottom, left, right or { "rows": [r0, r1], "cols": [c0, c1] } within 0-28',
  ],
  [
    'rows outside the image',
    (f) => {
      (f.models[0] as { crop: unknown }).crop = { rows: [20, 30], cols: [0, 28] };
      return f;
    },
    'F: models[0].crop.rows[1]: rows must lie within 0-28',
  ],
  [
    'empty columns',
    (f) => {
      (f.models[0] as { crop: unknown }).crop = { rows: [0, 28], cols: [7, 7] };
      return f;
    },
    'F: models[0].crop.cols: cols [start, end) is empty: end must be above start',
  ],
  [
    'duplicate model names',
    (f) => {
      f.models[1]!.name = 'a';
      return f;
    },
    "F: models[1].name: 'a' is already the name of models[0]; names must be unique",
  ],
  [
    'no final 10-unit softmax',
    (f) => {
      f.models[0]!.layers[2]!.units = 5;
      return f;
    },
    'F: models[0].layers[2]: the last layer must be { "type": "dense", "units": 10, "activation": "softmax" }: one probability per class, for the cross-entropy',
  ],
  [
    'sameInitialWeightsAs an unknown model',
    (f) => {
      f.models[1]!.sameInitialWeightsAs = 'c';
      return f;
    },
    "F: models[1].sameInitialWeightsAs: names no model of this file: 'c'; models: a, b",
  ],
  [
    'sameInitialWeightsAs a different architecture',
    (f) => {
      f.models[1]!.layers[0]!.units = 16;
      return f;
    },
    "F: models[1].sameInitialWeightsAs: 'b' (28x14 -> Dense(16) -> Dropout -> Dense(10)) and 'a' (28x14 -> Dense(8) -> Dropout -> Dense(10)) differ in architecture, so they cannot start from the same weights",
  ],
  [
    'a comparison naming an unknown model',
    (f) => {
      f.comparisons[0]!.models = ['a', 'z'];
      return f;
    },
    "F: comparisons[0].models[1]: names no model of this file: 'z'; models: a, b",
  ],
  [
    'epochs out of range',
    (f) => {
      f.models[0]!.epochs = 0;
      return f;
    },
    'F: models[0].epochs: epochs must be within 1-1000',
  ],
  [
    'batch size out of range',
    (f) => {
      (f.models[0] as { batchSize?: number }).batchSize = 100_000;
      return f;
    },
    'F: models[0].batchSize: batchSize must be within 1-50,000',
  ],
];

describe('bad experiment files are refused before any work: exit 2, one line naming the place', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fmnist-bad-'));
  for (const [what, edit, line] of BAD) {
    it(what, async () => {
      const file = join(dir, `${what.replaceAll(' ', '-')}.json`);
      const edited = edit(valid() as File);
      writeFileSync(file, typeof edited === 'string' ? edited : JSON.stringify(edited, null, 2));
      const out = join(dir, `out-${what.replaceAll(' ', '-')}`);
      const run = await fmnist(['run', file, '--out', out]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`fmnist: ${line.replace(/^F/, file)}\n`);
      expect(run.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    });
  }

  it('a file that is not there, and a --model the file lacks', async () => {
    const missing = await fmnist(['run', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^fmnist: .*nope\.json: no such experiment file; see experiments\/ for examples\. Run `fmnist run --help` for the usage\.\n$/,
    );
    const file = join(dir, 'valid.json');
    writeFileSync(file, JSON.stringify(valid()));
    const model = await fmnist(['run', file, '--model', 'c']);
    expect(model.code).toBe(2);
    expect(model.stderr).toBe(
      `fmnist: --model c: ${file} has no such model; it has a, b. Run \`fmnist run --help\` for the usage.\n`,
    );
  });

  it('crosscheck and explain refuse the same file the same way', async () => {
    const file = join(dir, 'bad-units.json');
    const f = valid();
    f.models[0]!.layers[0]!.units = 0;
    writeFileSync(file, JSON.stringify(f));
    for (const args of [
      ['crosscheck', '--experiment', file],
      ['explain', '--experiment', file],
    ]) {
      const run = await fmnist(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `fmnist: ${file}: models[0].layers[0].units: units must be at least 1\n`,
      );
    }
  });
});
