import { PNG } from 'pngjs';
import { describe, expect, it, vi } from 'vitest';
import {
  classDistributionChart,
  confusionDifferenceChart,
  confusionMatrixChart,
  renderVegaLite,
  trainingCurvesChart,
} from '../src/charts.js';
import { ReportInputError } from '../src/errors.js';
import { CLASS_NAMES, sampleHistory } from './sample.js';

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('classDistributionChart', () => {
  it('draws 3 x 10 bars with the class names, as SVG and as a 2x PNG', async () => {
    const counts = (base: number) =>
      Object.fromEntries(CLASS_NAMES.map((name, i) => [name, base + i]));
    const chart = await classDistributionChart({
      train: counts(5000),
      validation: counts(1000),
      test: counts(1000),
    });
    expect(chart.svg.startsWith('<svg')).toBe(true);
    expect(count(chart.svg, 'aria-roledescription="bar"')).toBe(30);
    for (const name of ['Ankle boot', 'T-shirt/top', 'Training', 'Validation', 'Test']) {
      expect(chart.svg).toContain(`>${name}<`);
    }
    // Bars are labelled with their data, so the SVG itself says what was drawn.
    expect(chart.svg).toContain('Class: Trouser; Images: 5001; split: Training');
    const png = PNG.sync.read(Buffer.from(chart.png));
    expect(png.width).toBe(Math.round(chart.width * 2));
    expect(png.height).toBe(Math.round(chart.height * 2));
  });
});

describe('confusionMatrixChart', () => {
  it('draws one cell per (true, predicted) pair with its count and its share of the row', async () => {
    // Row t: 90 right, the rest taken for the next class.
    const matrix = CLASS_NAMES.map((_, t) =>
      CLASS_NAMES.map((_, p) => (p === t ? 90 : p === (t + 1) % 10 ? 10 : 0)),
    );
    const chart = await confusionMatrixChart(matrix, CLASS_NAMES, { title: 'top' });
    expect(count(chart.svg, 'aria-roledescription="rect mark"')).toBe(100);
    expect(count(chart.svg, 'aria-roledescription="text mark"')).toBe(100);
    // Each cell says what it is: the pair, its share of the row, and its count as text.
    expect(chart.svg).toContain(
      'aria-label="Predicted class: Sneaker; True class: Shirt; share of the row: 0.1"',
    );
    expect(chart.svg).toContain('aria-label="Predicted class: Bag; True class: Bag; count: 90"');
    for (const name of ['Ankle boot', 'T-shirt/top', 'True class', 'Predicted class', 'top']) {
      expect(chart.svg).toContain(`>${name}<`);
    }
    const png = PNG.sync.read(Buffer.from(chart.png));
    expect(png.width).toBe(Math.round(chart.width * 2));
  });

  it('refuses a matrix that is not one row and column per class', async () => {
    expect(() => confusionMatrixChart([[1, 2]], CLASS_NAMES)).toThrow(ReportInputError);
  });
});

describe('confusionDifferenceChart', () => {
  it('draws each cell as the first count minus the second', async () => {
    const eye = CLASS_NAMES.map((_, t) => CLASS_NAMES.map((_, p) => (p === t ? 100 : 0)));
    const worse = eye.map((row, t) =>
      row.map((v, p) => (t === 6 && p === 0 ? 30 : t === 6 && p === 6 ? 70 : v)),
    );
    const chart = await confusionDifferenceChart(worse, eye, CLASS_NAMES, {
      names: ['top', 'bottom'],
    });
    expect(count(chart.svg, 'aria-roledescription="rect mark"')).toBe(100);
    expect(chart.svg).toContain(
      'aria-label="Predicted class: T-shirt/top; True class: Shirt; top − bottom: 30"',
    );
    expect(chart.svg).toContain(
      'aria-label="Predicted class: Shirt; True class: Shirt; top − bottom: −30"',
    );
    expect(chart.svg).toContain('>top minus bottom: confusion matrices (test set)<');
  });

  it('refuses matrices of another size', () => {
    expect(() =>
      confusionDifferenceChart([[1]], [[1]], CLASS_NAMES, { names: ['a', 'b'] }),
    ).toThrow(ReportInputError);
  });
});

describe('trainingCurvesChart', () => {
  const history = sampleHistory(10, 4);

  it('draws loss and accuracy for training and validation, and marks the best epoch', async () => {
    const chart = await trainingCurvesChart(history, { title: 'base' });
    // One line per series (training, validation) in each panel (loss, accuracy).
    expect(count(chart.svg, 'aria-roledescription="line mark container"')).toBe(4);
    expect(count(chart.svg, 'aria-roledescription="rule mark container"')).toBe(2);
    // The best epoch is the lowest validation loss, labelled in both panels.
    const best = history.reduce((b, e, i) => (e.val_loss < history[b]!.val_loss ? i : b), 0) + 1;
    expect(count(chart.svg, `>best epoch ${best}<`)).toBe(2);
    expect(chart.svg).toContain('>base<');
    expect(chart.svg).toContain('>training<');
    expect(chart.svg).toContain('>validation<');
    expect(PNG.sync.read(Buffer.from(chart.png)).width).toBe(Math.round(chart.width * 2));
  });

  it('draws training points half an epoch left of validation points', async () => {
    const chart = await trainingCurvesChart(history);
    const layer = (
      chart.spec as {
        hconcat: { layer: { data: { values: { epoch: number; series: string }[] } }[] }[];
      }
    ).hconcat[0]!.layer[0]!.data.values;
    expect(layer.filter((p) => p.series === 'training').map((p) => p.epoch)).toEqual([
      0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5,
    ]);
    expect(layer.filter((p) => p.series === 'validation').map((p) => p.epoch)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
  });

  it('accepts Keras-style columns and an explicit best epoch, and rejects one out of range', async () => {
    const columns = {
      loss: history.map((e) => e.loss),
      accuracy: history.map((e) => e.accuracy),
      val_loss: history.map((e) => e.val_loss),
      val_accuracy: history.map((e) => e.val_accuracy),
    };
    const chart = await trainingCurvesChart(columns, { bestEpoch: 7 });
    expect(chart.svg).toContain('>best epoch 7<');
    await expect(async () => trainingCurvesChart(columns, { bestEpoch: 11 })).rejects.toThrow(
      ReportInputError,
    );
    expect(() => trainingCurvesChart([])).toThrow(/history is empty/);
  });
});

describe('renderVegaLite', () => {
  it("returns vega-lite's warnings as data instead of printing them", async () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    const chart = await renderVegaLite({
      data: { values: [{ a: 1, b: 'x' }] },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'quantitative' }, shape: { field: 'b', type: 'nominal' } },
    });
    expect(chart.warnings.join('\n')).toMatch(/shape/);
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
    expect(chart.svg).toContain('aria-roledescription="bar"');
    warn.mockRestore();
    log.mockRestore();
  });
});
