/**
 * Part 1, steps 1-4 (the data): load and split, class distribution, pixel ranges, crops.
 * Used by `fmnist data`, and by the commands that run these steps before training.
 */
import {
  CLASS_NAMES,
  type ClassName,
  type DataSummary,
  describeSource,
  type FashionMnist,
  SPLIT_NAMES,
  type SplitName,
  summarizeDataset,
} from '@fmnist/data/node';
import { indent, shape, textTable } from '@fmnist/reports';

const SPLIT_TITLES: Record<SplitName, string> = {
  train: 'Training',
  validation: 'Validation',
  test: 'Test',
};

/** The data steps' result as JSON: the summary, plus the table's column order. */
export interface DataStepsJson extends DataSummary {
  /** Class names sorted alphabetically: the columns of the class distribution table. */
  classColumns: ClassName[];
}

export interface DataStepsResult {
  json: DataStepsJson;
  text: string;
}

/** Class names in the order the table shows them: sorted by code point, as Python's sorted(). */
function alphabetical<T extends string>(names: readonly T[]): T[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function range(r: { min: number; max: number }): string {
  return `${r.min}, ${r.max}`;
}

export function renderDataSteps(summary: DataSummary, columns: readonly ClassName[]): string {
  const rowsPerSplit = (cells: (split: SplitName) => string[]) =>
    SPLIT_NAMES.map((split) => [SPLIT_TITLES[split], ...cells(split)]);
  const trainCount = summary.shapes.train.x[0]!;
  const limited =
    summary.limit === null
      ? ''
      : summary.limit > trainCount
        ? ` (--limit ${summary.limit} is more than the ${trainCount.toLocaleString('en-US')} training images: all of them are used)`
        : ` (--limit ${summary.limit}: training cut to the first ${summary.limit})`;
  const sections = [
    `Fashion-MNIST from ${summary.source.dir} (${describeSource(summary.source.from)})${limited}`,
    [
      '1. Shapes of X and y',
      indent(
        textTable(
          ['', 'X', 'y'],
          rowsPerSplit((s) => [shape(summary.shapes[s].x), shape(summary.shapes[s].y)]),
        ),
      ),
    ].join('\n'),
    [
      '2. Class distribution',
      indent(
        textTable(
          ['', ...columns],
          rowsPerSplit((s) => columns.map((c) => String(summary.classDistribution[s][c]))),
        ),
      ),
    ].join('\n'),
    [
      '3. Pixel range (min, max)',
      indent(
        textTable(
          ['', 'before scaling (uint8)', 'after scaling (/255, float32)'],
          rowsPerSplit((s) => [
            range(summary.pixelRange.before[s]),
            range(summary.pixelRange.after[s]),
          ]),
        ),
      ),
    ].join('\n'),
    [
      '4. Crops: top = rows 0-13, bottom = rows 14-27',
      indent(
        textTable(
          ['', 'top X', 'bottom X', 'y'],
          rowsPerSplit((s) => [
            shape(summary.crops.top[s].x),
            shape(summary.crops.bottom[s].x),
            shape(summary.crops.top[s].y),
          ]),
        ),
      ),
    ].join('\n'),
  ];
  return `${sections.join('\n\n')}\n`;
}

/**
 * Runs the data steps on a loaded dataset.
 *
 * Figures (step 2's grouped bar chart, step 3's first image before and after scaling,
 * step 4's halves of the first training and test images, step 5's 4x5 grids) are drawn by
 * @fmnist/reports from `data` and `summary`; they belong here, written under --out, and
 * listed in the JSON next to the numbers they show.
 */
export function dataSteps(data: FashionMnist): DataStepsResult {
  const summary = summarizeDataset(data);
  const classColumns = alphabetical(CLASS_NAMES);
  return { json: { ...summary, classColumns }, text: renderDataSteps(summary, classColumns) };
}
