import { MODEL_NAMES, type TrainingEvent } from '@fmnist/study/training';
import { describe, expect, it } from 'vitest';
import {
  addEvent,
  bestEpoch,
  emptyCurves,
  formatSeconds,
  parseWhole,
  progressLine,
  queryFromSetup,
  setupFromQuery,
} from '../src/state.js';

const progress = (epoch: number, step: number, logs: Record<string, number>) => ({
  epoch,
  epochs: 3,
  step,
  steps: 10,
  elapsedSeconds: 1.5,
  secondsPerStep: 0.15,
  logs,
});

describe('the lab page: curves', () => {
  it('puts batches at fractional epochs and epochs at 1, 2, ...', () => {
    const curves = emptyCurves();
    const events: TrainingEvent[] = [
      { type: 'batch', name: 'top', progress: progress(0, 5, { loss: 2, accuracy: 0.1 }) },
      { type: 'batch', name: 'top', progress: progress(1, 10, { loss: 1, accuracy: 0.5 }) },
      {
        type: 'epoch-end',
        name: 'top',
        progress: progress(1, 10, { loss: 1, accuracy: 0.5, val_loss: 1.2, val_accuracy: 0.4 }),
      },
    ];
    for (const e of events) addEvent(curves, e);
    expect(curves.batchX).toEqual([0.5, 2]);
    expect(curves.batchLoss).toEqual([2, 1]);
    expect(curves.batchAccuracy).toEqual([0.1, 0.5]);
    expect(curves.epochX).toEqual([2]);
    expect(curves.epochs).toEqual([{ loss: 1, accuracy: 0.5, val_loss: 1.2, val_accuracy: 0.4 }]);
    expect(curves.epochSeconds).toEqual([1.5]);
  });

  it('skips events without the numbers a curve needs', () => {
    const curves = emptyCurves();
    addEvent(curves, { type: 'batch', name: 'top', progress: progress(0, 1, {}) });
    addEvent(curves, { type: 'epoch-end', name: 'top', progress: progress(0, 10, { loss: 1 }) });
    addEvent(curves, { type: 'epoch-begin', name: 'top', epoch: 0, epochs: 3 });
    expect(curves).toEqual(emptyCurves());
  });

  it('marks the first epoch with the lowest validation loss, as the report does', () => {
    const e = (val_loss: number) => ({ loss: 1, accuracy: 0, val_loss, val_accuracy: 0 });
    expect(bestEpoch([])).toBeNull();
    expect(bestEpoch([e(3), e(2), e(2.5), e(2)])).toBe(2);
    expect(bestEpoch([e(1), e(2)])).toBe(1);
  });
});

describe('the lab page: text', () => {
  it('writes progress and seconds', () => {
    expect(progressLine(progress(1, 4, {}))).toBe('epoch 2/3 · step 4/10 · 1.50 s this epoch');
    expect(formatSeconds(0.345)).toBe('0.34 s');
    expect(formatSeconds(12.34)).toBe('12.3 s');
    expect(formatSeconds(125)).toBe('2 min 05 s');
    expect(formatSeconds(Number.NaN)).toBe('–');
  });

  it('reads whole numbers in range and says what is wrong otherwise', () => {
    expect(parseWhole(' 2000 ', 'Training images', 1, 50_000)).toEqual({ value: 2000 });
    expect(parseWhole('0', 'Training images', 1, 50_000)).toEqual({
      error: 'Training images must be a whole number from 1 to 50,000, not "0".',
    });
    for (const bad of ['', '1.5', 'abc', '50001', '-3']) {
      expect(parseWhole(bad, 'Training images', 1, 50_000)).toHaveProperty('error');
    }
  });
});

describe('the lab page: runs, formulas, numbers and the cross-check line', () => {
  it('offers both parts whole, then every model', async () => {
    const { RUN_CHOICES } = await import('../src/state.js');
    expect(RUN_CHOICES.map((r) => r.value)).toEqual([
      'part1',
      'part2',
      ...MODEL_NAMES,
      'experiment',
    ]);
  });
  it('picks the formula of a layer class, Flatten for anything else', async () => {
    const { formulaFor } = await import('../src/state.js');
    expect(formulaFor('Dense')).toBe('Dense');
    expect(formulaFor('BatchNormalization')).toBe('BatchNormalization');
    expect(formulaFor('Dropout')).toBe('Dropout');
    expect(formulaFor('Flatten')).toBe('Flatten');
    expect(formulaFor('Conv2D')).toBe('Flatten');
  });
  it('formats numbers fixed, with exponents for the tiny and the huge', async () => {
    const { formatNumber } = await import('../src/state.js');
    expect(formatNumber(0.81234567)).toBe('0.8123');
    expect(formatNumber(0)).toBe('0.0000');
    expect(formatNumber(3.2e-7)).toBe('3.20e-7');
    expect(formatNumber(61642, 0)).toBe('61642');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });
  it('says how many comparisons held and which backend ran', async () => {
    const { crosscheckLine } = await import('../src/state.js');
    const line = crosscheckLine({
      ok: false,
      tfBackend: 'webgl',
      batch: 32,
      rows: [{ ok: true }, { ok: false }, { ok: true }],
      loss: { difference: 1.5e-7 },
    });
    expect(line).toBe(
      'OUT OF TOLERANCE: TensorFlow.js on webgl, a batch of 32; 2 of 3 comparisons within tolerance, loss differs by 1.50e-7.',
    );
    expect(
      crosscheckLine({
        ok: true,
        tfBackend: 'wasm',
        batch: 32,
        rows: [{ ok: true }],
        loss: { difference: 0 },
        skipped: ['webgl: too coarse'],
      }),
    ).toBe(
      'within tolerance: TensorFlow.js on wasm, a batch of 32; 1 of 1 comparisons within tolerance, loss differs by 0.00e+0. Passed over: webgl: too coarse.',
    );
  });
});

describe('the setup in the page address', () => {
  const choices = { model: ['top', 'base', 'part1'], backend: ['auto', 'gpujs:webasm'] };
  it('reads what the form offers, in range, and writes it back in the same order', () => {
    const setup = setupFromQuery(
      '?epochs=2&model=base&seed=7&limit=1500&backend=gpujs:webasm',
      choices,
    );
    expect(setup).toEqual({
      model: 'base',
      seed: '7',
      limit: '1500',
      epochs: '2',
      backend: 'gpujs:webasm',
    });
    expect(queryFromSetup(setup)).toBe(
      '?model=base&seed=7&limit=1500&epochs=2&backend=gpujs%3Awebasm',
    );
    expect(setupFromQuery(queryFromSetup(setup), choices)).toEqual(setup);
  });
  it('leaves out a model or backend the form does not offer and numbers out of range, keeping the rest', () => {
    expect(
      setupFromQuery('?model=conv&backend=cuda&seed=-1&limit=50001&epochs=1.5&extra=1', choices),
    ).toEqual({});
    expect(setupFromQuery('?model=part1&seed=4294967295&limit=50000&epochs=100', choices)).toEqual({
      model: 'part1',
      seed: '4294967295',
      limit: '50000',
      epochs: '100',
    });
  });
});

describe('the network picture', () => {
  it('one block per layer of the run’s first model, with its shape and its parameters', async () => {
    const { labJobs, networkBlocks } = await import('../src/state.js');
    const [top] = labJobs({ run: 'part1' });
    const blocks = networkBlocks(top!.spec);
    expect(blocks.map((b) => `${b.name} ${b.className} ${b.outputShape} ${b.params}`)).toEqual([
      'flatten Flatten (None, 392) 0',
      'dense Dense (None, 128) 50304',
      'dense_1 Dense (None, 64) 8256',
      'dense_2 Dense (None, 10) 650',
    ]);
    expect(blocks[1]!.detail).toBe('128 units, relu');
    expect(blocks[3]!.detail).toBe('10 units, softmax');
    const dropout = networkBlocks(labJobs({ run: 'dropout' })[0]!.spec);
    expect(dropout.filter((b) => b.className === 'Dropout').map((b) => b.detail)).toEqual([
      'rate 0.5',
      'rate 0.5',
      'rate 0.5',
    ]);
  });
});
