import { describe, expect, it } from 'vitest';
import { ReportInputError } from '../src/errors.js';
import { trainValidationGap } from '../src/history.js';
import {
  classDistributionTable,
  confusionMatrixTable,
  modelComparisonTable,
  perClassComparisonTable,
  renderTableHtml,
  renderTableMarkdown,
  renderTableText,
  sortedClassNames,
  type Table,
} from '../src/tables.js';
import { CLASS_NAMES } from './sample.js';

const SMALL: Table = {
  caption: 'Scores',
  columns: [
    { header: 'Model', align: 'left' },
    { header: 'Accuracy', align: 'right' },
  ],
  rows: [
    [{ text: 'top' }, { text: '0.912', highlight: true }],
    [{ text: 'bottom <b>' }, { text: '0.87' }],
  ],
  highlightNote: 'the best.',
};

describe('table renderers', () => {
  it('aligns terminal text, marks highlights and keeps numbers in line', () => {
    expect(renderTableText(SMALL)).toBe(
      [
        'Scores',
        'Model       Accuracy',
        '----------  --------',
        'top           0.912*',
        'bottom <b>     0.87',
        '',
        '* the best.',
        '',
      ].join('\n'),
    );
    expect(renderTableText(SMALL, { marker: ' <' })).toContain(`top${' '.repeat(10)}0.912 <`);
  });

  it('writes Markdown with alignment, bold highlights and escaped pipes', () => {
    const table: Table = { ...SMALL, rows: [...SMALL.rows, [{ text: 'a|b' }, { text: '1' }]] };
    expect(renderTableMarkdown(table)).toBe(
      [
        '*Scores*',
        '',
        '| Model | Accuracy |',
        '| :--- | ---: |',
        '| top | **0.912** |',
        '| bottom &lt;b&gt; | 0.87 |',
        '| a\\|b | 1 |',
        '',
        'Bold: the best.',
        '',
      ].join('\n'),
    );
  });

  it('writes escaped HTML with highlighted cells in <strong>', () => {
    const html = renderTableHtml(SMALL);
    expect(html).toContain('<caption>Scores</caption>');
    expect(html).toContain('<td class="num better"><strong>0.912</strong></td>');
    expect(html).toContain('<td>bottom &lt;b&gt;</td>');
    expect(html).toContain('<th class="num">Accuracy</th>');
    expect(html).toMatch(/^<table>/);
  });

  it('rejects rows whose length does not match the columns', () => {
    const bad: Table = { columns: SMALL.columns, rows: [[{ text: 'x' }]] };
    expect(() => renderTableText(bad)).toThrow(ReportInputError);
  });
});

describe('the study tables', () => {
  it('class distribution: classes sorted alphabetically as columns, splits as rows', () => {
    const counts = Object.fromEntries(CLASS_NAMES.map((name, i) => [name, 100 + i]));
    const table = classDistributionTable({ train: counts, validation: counts, test: counts });
    expect(table.columns.map((c) => c.header)).toEqual([
      'Split',
      'Ankle boot',
      'Bag',
      'Coat',
      'Dress',
      'Pullover',
      'Sandal',
      'Shirt',
      'Sneaker',
      'T-shirt/top',
      'Trouser',
    ]);
    expect(table.rows.map((r) => r[0]!.text)).toEqual(['Training', 'Validation', 'Test']);
    expect(table.rows[0]![1]!.text).toBe('109'); // Ankle boot is label 9
    expect(sortedClassNames(['b', 'B', 'a'])).toEqual(['B', 'a', 'b']); // Python's sorted()
  });

  it('per-class comparison: highlights the better of each pair, as displayed; none on a tie', () => {
    const table = perClassComparisonTable(
      ['Coat', 'Bag'],
      [
        {
          name: 'top',
          classes: [
            { precision: 0.9, recall: 0.5, f1: 0.64 },
            { precision: 0.8, recall: 0.70001, f1: 0.75 },
          ],
        },
        {
          name: 'bottom',
          classes: [
            { precision: 0.7, recall: 0.6, f1: 0.65 },
            { precision: 0.8, recall: 0.70002, f1: 0.7 },
          ],
        },
      ],
    );
    expect(table.columns.map((c) => c.header)).toEqual([
      'Class',
      'Precision (top)',
      'Precision (bottom)',
      'Recall (top)',
      'Recall (bottom)',
      'F1 (top)',
      'F1 (bottom)',
    ]);
    const marks = table.rows.map((r) => r.map((c) => (c.highlight ? 'x' : '.')).join(''));
    // Coat: top's precision, bottom's recall and F1. Bag: precision tie, recall equal at 3
    // decimals (0.700 vs 0.700) so no mark, top's F1.
    expect(marks).toEqual(['.x..x.x', '.....x.']);
    expect(table.rows[0]![1]!.text).toBe('0.900');
    expect(renderTableText(table)).toContain('* the better value of each pair');
  });

  it('model comparison: one row per model with the study figures', () => {
    const history = [
      { loss: 0.5, accuracy: 0.8, val_loss: 0.55, val_accuracy: 0.78 },
      { loss: 0.4, accuracy: 0.85, val_loss: 0.5, val_accuracy: 0.8 },
    ];
    const row = (name: string, acc: number, seconds: number) => ({
      name,
      testAccuracy: acc,
      macroF1: acc - 0.01,
      bestEpoch: 2,
      epochsRun: 2,
      gap: trainValidationGap(history),
      params: 61_066,
      seconds,
    });
    const table = modelComparisonTable([row('base', 0.85, 98.2), row('dropout', 0.86, 130)]);
    const text = renderTableText(table);
    expect(text).toContain('Test accuracy');
    expect(text).toMatch(
      /dropout\s+0\.8600\*\s+0\.8500\*\s+2\s+2\s+\+0\.100\s+\+0\.050\s+61,066\s+2 min 10 s/,
    );
    expect(text).toMatch(/base\s+0\.8500 \s+0\.8400 /);
    // Nine columns: set as a wide table so that Time fits the page, every column kept.
    const html = renderTableHtml(table);
    expect(html).toMatch(/^<table class="wide">/);
    expect(html.match(/<th[ >]/g)).toHaveLength(9);
    expect(html).toContain('<th class="num">Time</th>');
  });

  it('confusion matrix: true classes as rows, predictions as columns, recall at the end', () => {
    const table = confusionMatrixTable(
      ['a', 'b'],
      [
        [3, 1],
        [0, 0],
      ],
    );
    expect(renderTableText(table)).toBe(
      [
        'Confusion matrix (rows: true class, columns: predicted class)',
        'True \\ predicted  a  b  Recall',
        '----------------  -  -  ------',
        'a                 3  1   0.750',
        'b                 0  0       -',
        '',
      ].join('\n'),
    );
    expect(() => confusionMatrixTable(['a'], [])).toThrow(/square matrix/);
  });

  it('refuses a comparison of fewer than two models or mismatched classes', () => {
    expect(() =>
      perClassComparisonTable(
        ['a'],
        [{ name: 'x', classes: [{ precision: 1, recall: 1, f1: 1 }] }],
      ),
    ).toThrow(/at least two models/);
    expect(() =>
      perClassComparisonTable(
        ['a', 'b'],
        [
          { name: 'x', classes: [{ precision: 1, recall: 1, f1: 1 }] },
          { name: 'y', classes: [{ precision: 1, recall: 1, f1: 1 }] },
        ],
      ),
    ).toThrow(/one entry per class/);
  });
});
