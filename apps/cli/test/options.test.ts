// The shared options, checked in-process on a stand-in command that takes them all.

import { GpuJsFallbackError } from '@fmnist/core/gpujs';
import { DataError } from '@fmnist/data';
import {
  InvalidArgumentError,
  ModelFileError,
  NonFiniteLossError,
  ShapeMismatchError,
} from '@fmnist/nn';
import { ReportInputError } from '@fmnist/reports';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import type { CommandModule, CommandOptions } from '../src/command.js';
import { TrainingError } from '../src/runtime/lanes.js';
import { memoryIo } from './helpers.js';

let received: CommandOptions | undefined;
const probe: CommandModule = {
  name: 'probe',
  summary: 'takes every shared option',
  options: ['json', 'engine', 'seed', 'out', 'dataDir', 'limit', 'epochs'],
  async run(options) {
    received = options;
    return { json: { ok: true, list: [1, 2] }, text: 'ok as text\n' };
  },
};
const failing: CommandModule = {
  name: 'fail',
  summary: 'throws',
  options: [],
  async run() {
    throw new DataError('bad-magic', '/d/x.gz has magic number 1, not 2051', 'Replace x.gz.');
  },
};
const buggy: CommandModule = {
  name: 'buggy',
  summary: 'has a bug',
  options: [],
  async run() {
    throw new TypeError('cannot read properties of undefined');
  },
};

const failedCheck: CommandModule = {
  name: 'check',
  summary: 'runs to the end, but a check fails',
  options: ['json'],
  async run() {
    return {
      json: { checked: 3, ok: false },
      text: 'checked 3: ABOVE THE BOUND\n',
      failedCheck: 'a finite-difference check is above its bound (see above)',
    };
  },
};

/** Throws whatever the test puts in `toThrow`. */
let toThrow: Error = new Error('unset');
const throwing: CommandModule = {
  name: 'throw',
  summary: 'throws the error a test gives it',
  options: [],
  async run() {
    throw toThrow;
  },
};

async function run(args: string[]) {
  const io = memoryIo();
  received = undefined;
  const code = await runCli(args, io.io, [probe, failing, buggy, failedCheck, throwing]);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('shared options', () => {
  it('have defaults', async () => {
    expect((await run(['probe'])).code).toBe(0);
    expect(received).toMatchObject({ engine: 'custom', seed: 42, out: 'fmnist-report' });
    expect(received?.json).toBeUndefined();
    expect(received?.limit).toBeUndefined();
  });

  it('parse valid values into numbers and names', async () => {
    const args = ['probe', '--engine', 'tf', '--seed', '0', '--out', 'o', '--data-dir', 'd'];
    expect((await run([...args, '--limit', '500', '--epochs', '3'])).code).toBe(0);
    expect(received).toMatchObject({
      engine: 'tf',
      seed: 0,
      out: 'o',
      dataDir: 'd',
      limit: 500,
      epochs: 3,
    });
  });

  it.each([
    [['--engine', 'torch'], "argument 'torch' is invalid. Allowed choices are custom, tf."],
    [['--seed', '-1'], "option '--seed <n>' argument '-1' is invalid"],
    [['--seed', '4294967296'], 'It must be a whole number from 0 to 4294967295 (the random seed).'],
    [['--epochs', '0'], 'It must be a whole number from 1 to 10000 (the number of epochs).'],
    [['--epochs', '2.5'], "argument '2.5' is invalid"],
    [['--limit', '1e3'], "argument '1e3' is invalid"],
    [['--out', ' '], 'It must name a folder.'],
    [['--limit'], "option '--limit <n>' argument missing"],
  ])('reject %j with one line and exit 2', async (args, expected) => {
    const result = await run(['probe', ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(expected);
    expect(result.stderr).toMatch(/^fmnist: [^\n]+ Run `fmnist probe --help` for the usage\.\n$/);
    expect(received).toBeUndefined();
  });
});

describe('output and errors', () => {
  it('prints JSON as one document with --json, text without', async () => {
    const json = await run(['probe', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, list: [1, 2] });
    expect((await run(['probe'])).stdout).toBe('ok as text\n');
  });

  it('prints a typed error as its one-line message, exit 1', async () => {
    const result = await run(['fail']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe('fmnist: /d/x.gz has magic number 1, not 2051. Replace x.gz.\n');
  });

  it('prints the output of a command whose check failed, then one line, exit 1', async () => {
    const text = await run(['check']);
    expect(text).toEqual({
      code: 1,
      stdout: 'checked 3: ABOVE THE BOUND\n',
      stderr: 'fmnist: a finite-difference check is above its bound (see above).\n',
    });
    const json = await run(['check', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ checked: 3, ok: false });
  });

  const nanLoss = new NonFiniteLossError(3, 17, Number.NaN);
  const nanMessage =
    'The loss became NaN at epoch 3, batch 17; training stopped. Lower the learning rate, check the inputs are scaled to [0, 1] and contain no NaN.';
  it.each([
    [
      'ReportInputError',
      new ReportInputError("The link 'http://x' is not relative. Pass a relative path"),
      "The link 'http://x' is not relative. Pass a relative path.",
    ],
    ['NonFiniteLossError', nanLoss, nanMessage],
    [
      'ModelFileError',
      new ModelFileError('/m/base.bin is truncated (header cut short); save the model again.'),
      '/m/base.bin is truncated (header cut short); save the model again.',
    ],
    [
      'GpuJsFallbackError',
      new GpuJsFallbackError('headlessgl', 'cpu', 'no context', 'the matmul kernel A·B'),
      "gpu.js ran the matmul kernel A·B in 'cpu' mode, not the 'headlessgl' mode asked for (gpu.js fell back: no context). Choose the backend that runs here instead (FMNIST_BACKEND=gpujs:cpu or js).",
    ],
    [
      'a TrainingError from a worker that threw GpuJsUnavailableError',
      new TrainingError(
        "gpu.js mode 'headlessgl' is unavailable: no display.",
        'GpuJsUnavailableError',
      ),
      "gpu.js mode 'headlessgl' is unavailable: no display.",
    ],
    [
      'a TrainingError from a worker that threw NonFiniteLossError',
      new TrainingError(`seed 7: ${nanLoss.message}`, nanLoss.name),
      `seed 7: ${nanMessage}`,
    ],
  ])("prints the packages' user-facing %s as its one line, exit 1", async (_, error, line) => {
    toThrow = error;
    expect(await run(['throw'])).toEqual({ code: 1, stdout: '', stderr: `fmnist: ${line}\n` });
  });

  it.each([
    ['ShapeMismatchError', new ShapeMismatchError('dense', [1, 2], [1, 3])],
    ['InvalidArgumentError', new InvalidArgumentError('fit got no samples; pass at least one.')],
    [
      'a TrainingError from a worker that threw a TypeError',
      new TrainingError('x is undefined', 'TypeError'),
    ],
    [
      'a TrainingError from a worker that stopped',
      new TrainingError('a training worker stopped (exit code 1)'),
    ],
  ])('calls %s (the CLI misusing a package, or a crash) a bug', async (_, error) => {
    toThrow = error;
    const result = await run(['throw']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^fmnist: unexpected error: [^\n]+ This is a bug: [^\n]+\n$/);
  });

  it('calls anything else a bug, still on one line, exit 1', async () => {
    const result = await run(['buggy']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^fmnist: unexpected error: cannot read properties of undefined\. This is a bug: .*\n$/,
    );
  });
});

describe('the command registry', () => {
  it('loads every listed command, whose module agrees on name and summary', async () => {
    const { COMMANDS } = await import('../src/commands/index.js');
    for (const entry of COMMANDS) {
      const module = await entry.load();
      expect({ name: module.name, summary: module.summary }).toEqual({
        name: entry.name,
        summary: entry.summary,
      });
    }
  });

  it('finds the command a command line runs', async () => {
    const { invokedCommand } = await import('../src/program.js');
    expect(invokedCommand(['data', '--limit', '5'])).toBe('data');
    expect(invokedCommand(['help', 'study'])).toBe('study');
    expect(invokedCommand(['--help'])).toBeUndefined();
  });
});
