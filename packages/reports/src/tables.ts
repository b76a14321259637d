/**
 * A small table model and its three renderings: aligned terminal text, Markdown and HTML.
 * Builders for the study's tables come after the renderers.
 */
import { ReportInputError } from './errors.js';
import { escapeMarkdownText, escapeXml } from './escape.js';
import { formatFixed, formatSeconds, formatSigned, textLength } from './format.js';
import type { TrainValidationGap } from './history.js';

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align: Align;
}

export interface Cell {
  text: string;
  /** The better value of a compared group: bold in Markdown/HTML, marked in text. */
  highlight?: boolean;
}

export interface Table {
  columns: Column[];
  rows: Cell[][];
  caption?: string;
  /** Says what a highlight means, shown under the table when any cell is highlighted. */
  highlightNote?: string;
}

export interface TextTableOptions {
  /** Appended to highlighted cells in terminal text; default "*". */
  marker?: string;
}

/** The table as aligned plain text: header, a rule, rows, and the highlight note if needed. */
export function renderTableText(table: Table, options: TextTableOptions = {}): string {
  const marker = options.marker ?? '*';
  checkShape(table);
  const markedColumns = table.columns.map((_, c) => table.rows.some((row) => row[c]!.highlight));
  // Unmarked cells in a marked column get blank padding where the marker would be, so the
  // digits of right-aligned numbers stay in line.
  const cellText = (cell: Cell, c: number) =>
    markedColumns[c]
      ? cell.text + (cell.highlight ? marker : ' '.repeat(marker.length))
      : cell.text;
  const body = table.rows.map((row) => row.map(cellText));
  const widths = table.columns.map((col, c) =>
    Math.max(textLength(col.header), ...body.map((row) => textLength(row[c]!))),
  );
  const pad = (text: string, c: number) => {
    const fill = ' '.repeat(widths[c]! - textLength(text));
    return table.columns[c]!.align === 'right' ? fill + text : text + fill;
  };
  const line = (cells: string[]) => cells.map(pad).join('  ').replace(/\s+$/, '');
  const lines: string[] = [];
  if (table.caption) lines.push(table.caption);
  lines.push(line(table.columns.map((col) => col.header)));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) lines.push(line(row));
  if (markedColumns.some(Boolean) && table.highlightNote) {
    lines.push('', `${marker} ${table.highlightNote}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The table as a GitHub-flavoured Markdown table, highlighted cells in bold. */
export function renderTableMarkdown(table: Table): string {
  checkShape(table);
  const escapeCell = (text: string) => escapeMarkdownText(text).replaceAll('|', '\\|');
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines: string[] = [];
  if (table.caption) lines.push(`*${escapeCell(table.caption)}*`, '');
  lines.push(row(table.columns.map((c) => escapeCell(c.header))));
  lines.push(row(table.columns.map((c) => (c.align === 'right' ? '---:' : ':---'))));
  for (const cells of table.rows) {
    lines.push(
      row(
        cells.map((cell) =>
          cell.highlight ? `**${escapeCell(cell.text)}**` : escapeCell(cell.text),
        ),
      ),
    );
  }
  if (table.highlightNote && hasHighlight(table)) lines.push('', `Bold: ${table.highlightNote}`);
  return `${lines.join('\n')}\n`;
}

/** From this many columns a table is set smaller (class "wide") so that it fits the page. */
export const WIDE_TABLE_COLUMNS = 8;

/** The table as an HTML fragment, highlighted cells in <strong> with class "better". */
export function renderTableHtml(table: Table): string {
  checkShape(table);
  const align = (c: number) => (table.columns[c]!.align === 'right' ? ' class="num"' : '');
  const parts: string[] = [
    table.columns.length >= WIDE_TABLE_COLUMNS ? '<table class="wide">' : '<table>',
  ];
  if (table.caption) parts.push(`<caption>${escapeXml(table.caption)}</caption>`);
  parts.push(
    `<thead><tr>${table.columns.map((col, c) => `<th${align(c)}>${escapeXml(col.header)}</th>`).join('')}</tr></thead>`,
  );
  parts.push('<tbody>');
  for (const cells of table.rows) {
    const tds = cells.map((cell, c) => {
      const text = escapeXml(cell.text);
      if (!cell.highlight) return `<td${align(c)}>${text}</td>`;
      const cls = table.columns[c]!.align === 'right' ? 'num better' : 'better';
      return `<td class="${cls}"><strong>${text}</strong></td>`;
    });
    parts.push(`<tr>${tds.join('')}</tr>`);
  }
  parts.push('</tbody></table>');
  if (table.highlightNote && hasHighlight(table)) {
    parts.push(
      `<p class="table-note"><strong>Bold</strong>: ${escapeXml(table.highlightNote)}</p>`,
    );
  }
  return parts.join('\n');
}

function hasHighlight(table: Table): boolean {
  return table.rows.some((row) => row.some((cell) => cell.highlight));
}

function checkShape(table: Table): void {
  table.rows.forEach((row, r) => {
    if (row.length !== table.columns.length) {
      throw new ReportInputError(
        `table row ${r} has ${row.length} cells but the table has ${table.columns.length} columns; give every row one cell per column.`,
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The study's tables

/** Rows named as the study names its splits; any other key is shown as given. */
const SPLIT_LABELS: Record<string, string> = {
  train: 'Training',
  training: 'Training',
  validation: 'Validation',
  val: 'Validation',
  test: 'Test',
};

export type ClassDistribution = Record<string, Record<string, number>>;

/** Python's `sorted()` order on strings (code points), which pandas and the study use. */
export function sortedClassNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function splitLabel(key: string): string {
  return SPLIT_LABELS[key.toLowerCase()] ?? key;
}

/**
 * Class counts per split: one column per class name, sorted alphabetically, one row per split
 * (Training, Validation, Test) in the order given.
 */
export function classDistributionTable(distribution: ClassDistribution): Table {
  const splits = Object.keys(distribution);
  const classNames = sortedClassNames(
    new Set(splits.flatMap((s) => Object.keys(distribution[s]!))),
  );
  return {
    caption: 'Images per class in each split',
    columns: [
      { header: 'Split', align: 'left' },
      ...classNames.map((name) => ({ header: name, align: 'right' as const })),
    ],
    rows: splits.map((split) => [
      { text: splitLabel(split) },
      ...classNames.map((name) => ({ text: String(distribution[split]![name] ?? 0) })),
    ]),
  };
}

export interface PerClassScores {
  precision: number;
  recall: number;
  f1: number;
}

export interface ModelClassScores {
  /** The model's name, e.g. "top". */
  name: string;
  /** One entry per class, in class-label order. */
  classes: readonly PerClassScores[];
}

/**
 * Part 1's per-class table: precision, recall and F1 of each class for each model, side by side,
 * with the best value of each group highlighted. Values are compared as shown (rounded to
 * `digits`), so a highlight never singles out one of two equal-looking numbers; a tie has none.
 */
export function perClassComparisonTable(
  classNames: readonly string[],
  models: readonly ModelClassScores[],
  digits = 3,
): Table {
  if (models.length < 2)
    throw new ReportInputError('perClassComparisonTable: pass at least two models to compare.');
  for (const m of models) {
    if (m.classes.length !== classNames.length) {
      throw new ReportInputError(
        `perClassComparisonTable: model ${m.name} has ${m.classes.length} classes but there are ${classNames.length} class names; pass one entry per class.`,
      );
    }
  }
  const metrics = [
    ['precision', 'Precision'],
    ['recall', 'Recall'],
    ['f1', 'F1'],
  ] as const;
  const columns: Column[] = [{ header: 'Class', align: 'left' }];
  for (const [, label] of metrics) {
    for (const m of models) columns.push({ header: `${label} (${m.name})`, align: 'right' });
  }
  const rows = classNames.map((name, c) => {
    const row: Cell[] = [{ text: name }];
    for (const [key] of metrics) {
      row.push(
        ...highlightBest(
          models.map((m) => m.classes[c]![key]),
          digits,
          'max',
        ),
      );
    }
    return row;
  });
  return {
    caption: `Per-class precision, recall and F1: ${models.map((m) => m.name).join(' vs ')}`,
    columns,
    rows,
    highlightNote: 'the better value of each pair (none on a tie).',
  };
}

/** Formats a group of values and marks the single best one, compared as displayed. */
function highlightBest(values: readonly number[], digits: number, best: 'max' | 'min'): Cell[] {
  const texts = values.map((v) => formatFixed(v, digits));
  const shown = texts.map(Number);
  const target = best === 'max' ? Math.max(...shown) : Math.min(...shown);
  const winners = shown.filter((v) => v === target).length;
  return texts.map((text, i) => ({ text, highlight: winners === 1 && shown[i] === target }));
}

export interface ModelComparisonRow {
  name: string;
  testAccuracy: number;
  macroF1: number;
  /** 1-based epoch with the lowest validation loss. */
  bestEpoch: number;
  epochsRun: number;
  /** At the final epoch; see `trainValidationGap`. */
  gap: TrainValidationGap;
  /** Total parameter count. */
  params: number;
  /** Training time in seconds. */
  seconds: number;
}

/**
 * Part 2's comparison of the regularised models. The best test accuracy and macro F1 are
 * highlighted, and the smallest final gap (closest to zero).
 */
export function modelComparisonTable(rows: readonly ModelComparisonRow[]): Table {
  const accuracy = highlightBest(
    rows.map((r) => r.testAccuracy),
    4,
    'max',
  );
  const f1 = highlightBest(
    rows.map((r) => r.macroF1),
    4,
    'max',
  );
  const lossGap = highlightBest(
    rows.map((r) => Math.abs(r.gap.loss)),
    3,
    'min',
  );
  const accGap = highlightBest(
    rows.map((r) => Math.abs(r.gap.accuracy)),
    3,
    'min',
  );
  return {
    caption:
      'The regularised models compared (gaps at the final epoch: validation minus training loss, training minus validation accuracy)',
    columns: [
      { header: 'Model', align: 'left' },
      { header: 'Test accuracy', align: 'right' },
      { header: 'Macro F1', align: 'right' },
      { header: 'Best epoch', align: 'right' },
      { header: 'Epochs run', align: 'right' },
      { header: 'Loss gap', align: 'right' },
      { header: 'Accuracy gap', align: 'right' },
      { header: 'Parameters', align: 'right' },
      { header: 'Time', align: 'right' },
    ],
    rows: rows.map((r, i) => [
      { text: r.name },
      accuracy[i]!,
      f1[i]!,
      { text: String(r.bestEpoch) },
      { text: String(r.epochsRun) },
      { text: formatSigned(r.gap.loss, 3), highlight: lossGap[i]!.highlight },
      { text: formatSigned(r.gap.accuracy, 3), highlight: accGap[i]!.highlight },
      { text: r.params.toLocaleString('en-US') },
      { text: formatSeconds(r.seconds) },
    ]),
    highlightNote:
      'the best test accuracy and macro F1, and the smallest final train-validation gaps.',
  };
}

/**
 * The confusion matrix with class names: one row per true class, one column per predicted
 * class, and each row's recall (its diagonal share) at the end.
 */
export function confusionMatrixTable(
  classNames: readonly string[],
  confusionMatrix: readonly (readonly number[])[],
): Table {
  if (confusionMatrix.length !== classNames.length) {
    throw new ReportInputError(
      `confusionMatrixTable: ${confusionMatrix.length} rows for ${classNames.length} classes; pass a square matrix with one row per class.`,
    );
  }
  return {
    caption: 'Confusion matrix (rows: true class, columns: predicted class)',
    columns: [
      { header: 'True \\ predicted', align: 'left' },
      ...classNames.map((name) => ({ header: name, align: 'right' as const })),
      { header: 'Recall', align: 'right' },
    ],
    rows: confusionMatrix.map((row, t) => {
      const total = row.reduce((a, b) => a + b, 0);
      return [
        { text: classNames[t]! },
        ...row.map((count) => ({ text: String(count) })),
        { text: total === 0 ? '-' : formatFixed(row[t]! / total, 3) },
      ];
    }),
  };
}
