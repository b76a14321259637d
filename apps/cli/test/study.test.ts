// `fmnist part1`, `part2` and `study` as a user runs them: the JSON documents the SPEC names,
// the report folder, bad command lines, and Ctrl-C. Quick runs only (--limit, --epochs).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmnist, MAIN } from './helpers.js';

const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
const realData = existsSync(join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));
const temp = () => mkdtempSync(join(tmpdir(), 'fmnist-study-'));

interface ModelJson {
  name: string;
  params: { total: number; trainable: number; nonTrainable: number };
  history: {
    epoch: number;
    loss: number;
    accuracy: number;
    val_loss: number;
    val_accuracy: number;
  }[];
  bestEpoch: number;
  epochsRun: number;
  restoredEpoch: number | null;
  initialWeights: string;
  test: {
    accuracy: number;
    classes: { name: string; precision: number; recall: number; f1: number; support: number }[];
    predictions: number[];
    report: string;
  };
  seconds: number;
  epochSeconds: number[];
  engine: string;
  backend: string;
}

function expectModel(model: ModelJson, epochs: number): void {
  expect(model.history).toHaveLength(model.epochsRun);
  expect(model.epochsRun).toBeLessThanOrEqual(epochs);
  for (const e of model.history) {
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) {
      expect(Number.isFinite(e[key])).toBe(true);
    }
  }
  const lowest = Math.min(...model.history.map((e) => e.val_loss));
  expect(model.history[model.bestEpoch - 1]!.val_loss).toBe(lowest);
  expect(model.test.predictions).toHaveLength(10_000);
  expect(model.test.classes).toHaveLength(10);
  expect(model.test.classes.reduce((s, c) => s + c.support, 0)).toBe(10_000);
  expect(model.test.report).toMatch(/weighted avg/);
  expect(model.engine).toBe('custom');
  expect(model.backend).toMatch(/^(js|gpujs)/);
  expect(model.seconds).toBeGreaterThan(0);
  // One time per epoch run, which together make up nearly all of fit's time.
  expect(model.epochSeconds).toHaveLength(model.epochsRun);
  for (const t of model.epochSeconds) expect(t).toBeGreaterThan(0);
  const sum = model.epochSeconds.reduce((a, b) => a + b, 0);
  expect(sum).toBeLessThanOrEqual(model.seconds + 0.01);
  expect(sum).toBeGreaterThan(model.seconds * 0.5);
}

describe.skipIf(!realData)('training commands on the real data (quick runs)', () => {
  it('part1 --json: top then bottom from the same initial weights, compared', async () => {
    const out = join(temp(), 'report');
    const run = await fmnist(['part1', '--json', '--limit', '300', '--epochs', '2', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.models.map((m: ModelJson) => m.name)).toEqual(['top', 'bottom']);
    const [top, bottom] = json.models as ModelJson[];
    for (const m of [top!, bottom!]) {
      expectModel(m, 2);
      expect(m.params).toEqual({ total: 59_210, trainable: 59_210, nonTrainable: 0 });
    }
    expect(top!.initialWeights).toBe(bottom!.initialWeights);
    expect(json.sameInitialWeights).toBe(true);
    expect(json.summaries.full).toMatch(/Total params: 109,386/);
    // Every shown disagreement is what the two prediction lists say.
    const { topRightBottomWrong, bottomRightTopWrong } = json.disagreements;
    for (const c of topRightBottomWrong.first) {
      expect(top!.test.predictions[c.index]).toBe(c.trueLabel);
      expect(bottom!.test.predictions[c.index]).toBe(c.predicted);
    }
    for (const c of bottomRightTopWrong.first) {
      expect(bottom!.test.predictions[c.index]).toBe(c.trueLabel);
      expect(top!.test.predictions[c.index]).toBe(c.predicted);
    }
    expect(json.perClass).toHaveLength(10);
    expect(json.observations.length).toBeGreaterThan(2);
    // The report, with results.json holding the same models plus wall time and peak memory.
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.part1.models[0].test.accuracy).toBe(top!.test.accuracy);
    expect(results.run.wallSeconds).toBeGreaterThan(0);
    expect(results.run.peakMemoryBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(existsSync(join(out, 'figures', 'disagreements-top-right.png'))).toBe(true);
    // Each trained model's confusion matrix and most confident mistakes, in the report and the JSON.
    for (const model of ['top', 'bottom']) {
      expect(existsSync(join(out, 'figures', `confusion-${model}.svg`)), model).toBe(true);
      expect(existsSync(join(out, 'figures', `mistakes-${model}.png`)), model).toBe(true);
    }
    // Top's matrix minus bottom's: what one half confuses and the other does not.
    expect(existsSync(join(out, 'figures', 'confusion-top-minus-bottom.svg'))).toBe(true);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(
      /top's confusion matrix minus bottom's on the test set: .* The largest differences: [\w/ -]+ taken for [\w/ -]+ \d+ times more often by (top|bottom) \(\d+ vs \d+\)/,
    );
    for (const m of results.part1.models) {
      const { mistakes, predictions, confusionMatrix } = m.test;
      expect(mistakes.length, m.name).toBe(12);
      for (const [i, x] of mistakes.entries()) {
        expect(x.predicted).not.toBe(x.label);
        expect(predictions[x.index]).toBe(x.predicted);
        expect(x.probability).toBeGreaterThan(0);
        expect(x.probability).toBeLessThanOrEqual(1);
        if (i > 0) expect(x.probability).toBeLessThanOrEqual(mistakes[i - 1].probability);
      }
      // The matrix's rows sum to the supports, its diagonal to the correct count.
      const diagonal = confusionMatrix.reduce((s: number, r: number[], i: number) => s + r[i]!, 0);
      expect(diagonal).toBe(m.test.correct);
    }
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(
      /Confusion matrix of top on the test set: rows the true class, columns the predicted one/,
    );
    // Progress went to stderr, Keras-like.
    expect(run.stderr).toMatch(/Epoch 2\/2 · bottom \(2 of 2\)/);
    expect(run.stderr).toMatch(
      /10\/10 ━+ \d+s \d+ms\/step - accuracy: [\d.]+ - loss: [\d.]+ - val_accuracy/,
    );
  });

  it('part2 --model early-stopping: one model, best weights restored, one comparison row', async () => {
    const out = join(temp(), 'report');
    const run = await fmnist([
      'part2',
      '--json',
      '--model',
      'early-stopping',
      '--limit',
      '200',
      '--epochs',
      '3',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.models).toHaveLength(1);
    const model = json.models[0] as ModelJson;
    expect(model.name).toBe('early-stopping');
    expectModel(model, 3);
    expect(model.restoredEpoch).toBe(model.bestEpoch);
    expect(model.params).toEqual({ total: 60_970, trainable: 60_970, nonTrainable: 0 });
    expect(json.comparison).toHaveLength(1);
    expect(json.comparison[0].name).toBe('early-stopping');
  });
});

describe.skipIf(!realData)('--engine tf', () => {
  it('trains with the TF.js reference from the same weights and batches as the custom engine', async () => {
    const args = ['part1', '--json', '--model', 'top', '--limit', '200', '--epochs', '2'];
    const [custom, tf] = await Promise.all([
      fmnist([...args, '--out', join(temp(), 'custom')]),
      fmnist([...args, '--engine', 'tf', '--out', join(temp(), 'tf')]),
    ]);
    expect(custom.code, custom.stderr).toBe(0);
    expect(tf.code, tf.stderr).toBe(0);
    const a = JSON.parse(custom.stdout).models[0] as ModelJson;
    const b = JSON.parse(tf.stdout).models[0] as ModelJson;
    expect(b.engine).toBe('tf');
    expect(b.backend).toMatch(/^tfjs:/);
    expect(b.initialWeights).toBe(a.initialWeights);
    expect(b.epochsRun).toBe(2);
    // SGD at lr 1e-4 for 14 steps: float32 differences stay far below the metrics' digits.
    b.history.forEach((e, i) => {
      expect(e.loss).toBeCloseTo(a.history[i]!.loss, 4);
      expect(e.val_loss).toBeCloseTo(a.history[i]!.val_loss, 4);
    });
  });
});

describe('bad command lines: one line, exit 2, nothing trained', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown model', ['study', '--model', 'nope'], /--model/],
    ['a Part 1 model for part2', ['part2', '--model', 'top'], /--model/],
    ['zero epochs', ['part1', '--epochs', '0'], /epochs/],
    ['an unknown engine', ['study', '--engine', 'jax'], /--engine/],
  ];
  for (const [what, args, pattern] of cases) {
    it(what, async () => {
      const run = await fmnist(args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^fmnist: /);
      expect(lines[0]).toMatch(pattern);
    });
  }

  it('an --out folder holding other files is refused before any training', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const run = await fmnist(['part1', '--out', dir, '--limit', '10']);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/not empty and was not written by fmnist/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe.skipIf(!realData)('Ctrl-C', () => {
  it.each([
    ['SIGINT', 130, 'interrupted \\(Ctrl-C\\)'],
    ['SIGTERM', 143, 'stopped by SIGTERM'],
  ] as const)(
    '%s stops training at once with one line, exit %i, and no report',
    async (signal, exit, what) => {
      const out = join(temp(), 'report');
      const child = spawn(process.execPath, [MAIN, 'study', '--limit', '3000', '--out', out], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      const started = new Promise<void>((resolve) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          // Interrupt once training is under way (a model has begun).
          if (/\(\d of 6\)/.test(stderr)) resolve();
        });
      });
      await started;
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(exit);
      expect(stdout).toBe('');
      const last = stderr.trimEnd().split('\n').at(-1)!;
      expect(last).toMatch(new RegExp(`^fmnist: ${what} while training; nothing new was written`));
      expect(existsSync(out)).toBe(false);
    },
  );
});
