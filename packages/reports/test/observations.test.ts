import { describe, expect, it } from 'vitest';
import { ReportInputError } from '../src/errors.js';
import {
  compareClasses,
  compareModels,
  describeDisagreements,
  describeTraining,
} from '../src/observations.js';

const scores = (name: string, values: [string, number, number, number][]) => ({
  name,
  classes: values.map(([className, precision, recall, f1]) => ({
    name: className,
    precision,
    recall,
    f1,
  })),
});

describe('compareClasses', () => {
  const top = scores('top', [
    ['Trouser', 0.95, 0.97, 0.97],
    ['Shirt', 0.6, 0.55, 0.574],
    ['Bag', 0.9, 0.91, 0.905],
    ['Sandal', 0.8, 0.7, 0.747],
  ]);
  const bottom = scores('bottom', [
    ['Trouser', 0.9, 0.9, 0.9],
    ['Shirt', 0.5, 0.4, 0.444],
    ['Bag', 0.9, 0.9, 0.9],
    ['Sandal', 0.92, 0.96, 0.94],
  ]);

  it('names the classes with the largest F1 differences, their direction and numbers', () => {
    const observations = compareClasses(top, bottom, { count: 2 });
    expect(observations[0]!.text).toBe(
      'top has the higher F1 on 2 of 4 classes and bottom on 1 (1 within 0.01); macro F1 is 0.799 for top and 0.796 for bottom, a difference of 0.003 in favour of top.',
    );
    expect(observations[1]!.text).toBe(
      'Sandal: F1 0.747 with top vs 0.940 with bottom, 0.193 higher with bottom (precision 0.800 vs 0.920, recall 0.700 vs 0.960).',
    );
    expect(observations[1]!.facts).toMatchObject({ class: 'Sandal', topF1: 0.747, bottomF1: 0.94 });
    expect(observations[1]!.facts.f1Difference).toBeCloseTo(-0.193, 12);
    expect(observations[2]!.text).toMatch(
      /^Shirt: F1 0\.574 with top vs 0\.444 with bottom, 0\.130 higher with top/,
    );
    expect(observations[3]!.text).toBe(
      'The largest precision difference is on Sandal: 0.800 with top vs 0.920 with bottom (0.120 in favour of bottom).',
    );
    expect(observations[4]!.text).toContain('largest recall difference is on Sandal');
    expect(observations.at(-1)!.text).toBe('About equal (F1 within 0.01): Bag (0.905 vs 0.900).');
  });

  it('changes its sentences when the numbers change (nothing is canned)', () => {
    const swapped = compareClasses(bottom, top, { count: 1 });
    expect(swapped[1]!.text).toMatch(
      /^Sandal: F1 0\.940 with bottom vs 0\.747 with top, 0\.193 higher with bottom/,
    );
  });

  it('says so when the macro F1s are equal as shown', () => {
    const same = compareClasses(top, top);
    expect(same[0]!.text).toBe(
      'top has the higher F1 on 0 of 4 classes and top on 0 (4 within 0.01); macro F1 is 0.799 for top and 0.799 for top, equal at three decimals.',
    );
  });

  it('refuses models with different classes', () => {
    expect(() => compareClasses(top, scores('x', [['a', 1, 1, 1]]))).toThrow(ReportInputError);
  });
});

describe('describeTraining', () => {
  const epoch = (loss: number, accuracy: number, valLoss: number, valAccuracy: number) => ({
    loss,
    accuracy,
    val_loss: valLoss,
    val_accuracy: valAccuracy,
  });

  it('finds where validation loss bottomed out and the signs of overfitting', () => {
    const history = [
      epoch(0.8, 0.7, 0.7, 0.74),
      epoch(0.5, 0.82, 0.5, 0.82),
      epoch(0.4, 0.86, 0.45, 0.84),
      epoch(0.3, 0.9, 0.48, 0.84),
      epoch(0.25, 0.92, 0.52, 0.835),
    ];
    const [best, gap, verdict] = describeTraining(history, { name: 'base' });
    expect(best!.text).toBe(
      'Validation loss bottomed out at epoch 3 of 5 (0.450, validation accuracy 0.840) and ended at 0.520, 0.070 above its minimum.',
    );
    expect(best!.facts).toMatchObject({ bestEpoch: 3, epochs: 5, bestValLoss: 0.45 });
    expect(gap!.text).toBe(
      'At the final epoch training accuracy is 0.920 and validation accuracy 0.835 (gap 0.085); training loss 0.250 and validation loss 0.520 (gap 0.270).',
    );
    expect(verdict!.text).toBe(
      'Signs of overfitting: after epoch 3 training loss kept falling (0.400 to 0.250) while validation loss rose (0.450 to 0.520).',
    );
    expect(verdict!.facts.overfitting).toBe(true);
  });

  it('says when validation loss was still falling at the end', () => {
    const history = [epoch(2.2, 0.2, 2.1, 0.25), epoch(2.0, 0.3, 1.9, 0.35)];
    const [first, , verdict] = describeTraining(history);
    expect(first!.text).toBe(
      'Validation loss was still falling at the last epoch: 2.100 after epoch 1, 1.900 at epoch 2, its lowest, so the model might improve with more epochs.',
    );
    expect(verdict!.facts).toMatchObject({ overfitting: false, stillFalling: true });
    expect(verdict!.text).toBe(
      'No sign of overfitting yet: the last epoch still lowered validation loss by 0.200 (epoch 1 to 2) and the train-validation accuracy gap is -0.050.',
    );
    expect(verdict!.text).not.toMatch(/above its minimum/);
    // The first observation says the loss was still falling; the verdict must not repeat it.
    expect(verdict!.text).not.toMatch(/still falling|more epochs/);
  });

  it('does not judge overfitting from one epoch', () => {
    const [first, , verdict] = describeTraining([epoch(2.2, 0.2, 2.1, 0.25)]);
    expect(first!.facts.bestEpoch).toBe(1);
    expect(verdict!.text).toBe(
      'One epoch is too few to judge overfitting; after it the accuracy gap is -0.050.',
    );
  });

  it('still says "no clear sign" when validation loss ended near, not at, its minimum', () => {
    const history = [
      epoch(1, 0.6, 0.9, 0.6),
      epoch(0.8, 0.7, 0.5, 0.8),
      epoch(0.7, 0.75, 0.505, 0.8),
    ];
    const verdict = describeTraining(history)[2]!;
    expect(verdict.text).toBe(
      'No clear sign of overfitting: validation loss ended 0.005 above its minimum (within 2% of it) and the accuracy gap is -0.050.',
    );
  });

  it('accepts Keras-style columns and refuses an empty history', () => {
    const columns = {
      loss: [1, 0.5],
      accuracy: [0.5, 0.8],
      val_loss: [0.9, 0.6],
      val_accuracy: [0.6, 0.79],
    };
    expect(describeTraining(columns)[0]!.facts.bestEpoch).toBe(2);
    expect(() => describeTraining([])).toThrow(/history is empty/);
    expect(() => describeTraining({ ...columns, val_loss: [1] })).toThrow(
      /val_loss has 1 epochs but loss has 2/,
    );
  });
});

describe('compareModels and describeDisagreements', () => {
  const gap = (accuracy: number) => ({ epoch: 15, loss: accuracy * 2, accuracy });
  const rows = [
    {
      name: 'base',
      testAccuracy: 0.861,
      macroF1: 0.859,
      bestEpoch: 6,
      epochsRun: 15,
      gap: gap(0.06),
      params: 61_066,
      seconds: 98,
    },
    {
      name: 'early-stopping',
      testAccuracy: 0.866,
      macroF1: 0.864,
      bestEpoch: 6,
      epochsRun: 9,
      gap: gap(0.03),
      params: 61_066,
      seconds: 59,
    },
    {
      name: 'dropout',
      testAccuracy: 0.858,
      macroF1: 0.866,
      bestEpoch: 14,
      epochsRun: 15,
      gap: gap(-0.01),
      params: 61_066,
      seconds: 105,
    },
  ];

  it('compares the models with the numbers', () => {
    const texts = compareModels(rows).map((o) => o.text);
    expect(texts[0]).toBe(
      "early-stopping has the best test accuracy (0.866), 0.008 above dropout (0.858); the best macro F1 is dropout's (0.866).",
    );
    expect(texts[1]).toBe(
      'The final train-validation accuracy gap is smallest for dropout (-0.010) and largest for base (0.060).',
    );
    expect(texts[2]).toBe('early-stopping stopped after 9 epochs (best epoch 6), taking 59.0 s.');
    expect(texts[3]).toBe(
      'Training took 59.0 s for early-stopping (fastest) to 1 min 45 s for dropout (slowest).',
    );
  });

  it('counts disagreements with their shares', () => {
    const o = describeDisagreements({
      aName: 'top',
      bName: 'bottom',
      aRightBWrong: 1234,
      bRightAWrong: 567,
      total: 10000,
    });
    expect(o.text).toBe(
      'Of 10,000 test images, top is right and bottom wrong on 1,234 (12.3%), and bottom right and top wrong on 567 (5.7%).',
    );
    expect(o.facts).toEqual({ total: 10000, topRightOnly: 1234, bottomRightOnly: 567 });
  });
});
