/**
 * Charts from Vega-Lite specs: the spec is data, vega renders it to SVG in Node (no browser, no
 * canvas), and resvg turns the SVG into a PNG. Each chart function also returns its spec, so a
 * reader can see exactly what was drawn.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ReportInputError } from './errors.js';
import { bestEpoch as findBestEpoch, type History, historyEpochs } from './history.js';
import { FONT_FAMILY, type RenderedFigure, svgToPng } from './render.js';
import { type ClassDistribution, sortedClassNames, splitLabel } from './tables.js';

export interface Chart extends RenderedFigure {
  spec: TopLevelSpec;
  /** What vega-lite and vega warned about while rendering (this package never prints). */
  warnings: string[];
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Shared look: one font, no chart border, readable sizes. */
const CONFIG = {
  font: FONT_FAMILY,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const, offset: 10 },
};

/** The chart being rendered: charts render one at a time (see renderVegaLite). */
let rendering: Promise<unknown> = Promise.resolve();

/**
 * Renders a Vega-Lite spec to SVG and PNG (PNG at 2x for crisp text). Vega numbers an SVG's
 * gradients and clip paths from a counter shared by every render; each chart starts it at 0,
 * one chart at a time, so a chart's SVG is the same whatever was rendered before it or beside
 * it (the study renders Part 2's charts while Part 1 still trains).
 */
export function renderVegaLite(spec: TopLevelSpec): Promise<Chart> {
  const chart = rendering.then(() => renderOne(spec));
  rendering = chart.catch(() => {});
  return chart;
}

async function renderOne(spec: TopLevelSpec): Promise<Chart> {
  vega.resetSVGDefIds();
  // Both libraries log to the console by default; collect their messages instead.
  const warnings: string[] = [];
  const logger = vega.logger(vega.Warn, undefined, (_method, level, args) => {
    warnings.push(`${level} ${args.map(String).join(' ')}`);
  });
  const { spec: vegaSpec } = compile(spec, { logger });
  // renderer 'none': no DOM; toSVG() builds the markup from the scenegraph directly.
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none', logger });
  try {
    const svg = await view.toSVG();
    const { width, height } = svgSize(svg);
    return {
      spec,
      svg,
      png: svgToPng(svg, { zoom: 2 }),
      width,
      height,
      preferred: 'svg',
      warnings,
    };
  } finally {
    view.finalize();
  }
}

function svgSize(svg: string): { width: number; height: number } {
  const match = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  return { width: Number(match?.[1] ?? 0), height: Number(match?.[2] ?? 0) };
}

const SPLIT_COLOURS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756'];

/** Grouped bars: for each class (alphabetical), one bar per split. */
export function classDistributionChart(distribution: ClassDistribution): Promise<Chart> {
  const splits = Object.keys(distribution);
  if (splits.length === 0)
    throw new ReportInputError('classDistributionChart: no splits; pass counts per split.');
  const classes = sortedClassNames(new Set(splits.flatMap((s) => Object.keys(distribution[s]!))));
  const splitNames = splits.map(splitLabel);
  const values = splits.flatMap((split, s) =>
    classes.map((name) => ({
      class: name,
      split: splitNames[s],
      count: distribution[split]![name] ?? 0,
    })),
  );
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    title: 'Class distribution per split',
    width: 640,
    height: 260,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: {
        field: 'class',
        type: 'nominal',
        sort: classes,
        title: 'Class',
        axis: { labelAngle: -30 },
      },
      xOffset: { field: 'split', type: 'nominal', sort: splitNames },
      y: { field: 'count', type: 'quantitative', title: 'Images' },
      color: {
        field: 'split',
        type: 'nominal',
        sort: splitNames,
        title: 'Split',
        scale: { domain: splitNames, range: SPLIT_COLOURS.slice(0, splitNames.length) },
      },
    },
    config: CONFIG,
  };
  return renderVegaLite(spec);
}

export interface TrainingCurvesOptions {
  /** Shown as the chart's title, e.g. the model's name. */
  title?: string;
  /** 1-based epoch to mark; default: the epoch with the lowest validation loss. */
  bestEpoch?: number;
}

/**
 * Loss and accuracy per epoch, training and validation, side by side. Training values are
 * running means over an epoch's batches, so they describe its middle: they are drawn half an
 * epoch to the left. Validation runs at the end of each epoch and is drawn at the epoch itself.
 * The best epoch (lowest validation loss) gets a rule, a point on the validation curve and a label.
 */
export function trainingCurvesChart(
  history: History,
  options: TrainingCurvesOptions = {},
): Promise<Chart> {
  const epochs = historyEpochs(history);
  if (epochs.length === 0)
    throw new ReportInputError('trainingCurvesChart: history is empty; pass at least one epoch.');
  const best = options.bestEpoch ?? findBestEpoch(epochs);
  if (!Number.isInteger(best) || best < 1 || best > epochs.length) {
    throw new ReportInputError(
      `trainingCurvesChart: bestEpoch ${best} is not an epoch in 1..${epochs.length}.`,
    );
  }
  const series = ['training', 'validation'];
  const points = epochs.flatMap((e, i) => [
    { epoch: i + 1 - 0.5, series: 'training', loss: e.loss, accuracy: e.accuracy },
    { epoch: i + 1, series: 'validation', loss: e.val_loss, accuracy: e.val_accuracy },
  ]);
  const bestRecord = epochs[best - 1]!;
  const panel = (metric: 'loss' | 'accuracy', title: string) => {
    const bestValue = metric === 'loss' ? bestRecord.val_loss : bestRecord.val_accuracy;
    return {
      width: 320,
      height: 220,
      layer: [
        {
          data: { values: points },
          mark: { type: 'line' as const, point: true, strokeWidth: 2 },
          encoding: {
            x: {
              field: 'epoch',
              type: 'quantitative' as const,
              title: 'Epoch',
              scale: { domain: [0, epochs.length], nice: false },
              axis: { tickMinStep: 1 },
            },
            y: { field: metric, type: 'quantitative' as const, title, scale: { zero: false } },
            color: {
              field: 'series',
              type: 'nominal' as const,
              sort: series,
              title: null,
              scale: { domain: series, range: ['#4c78a8', '#f58518'] },
            },
          },
        },
        {
          data: { values: [{ epoch: best, value: bestValue, label: `best epoch ${best}` }] },
          layer: [
            {
              mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#666' },
              encoding: { x: { field: 'epoch', type: 'quantitative' as const } },
            },
            {
              mark: {
                type: 'point' as const,
                filled: true,
                size: 110,
                color: '#d62728',
                shape: 'diamond',
              },
              encoding: {
                x: { field: 'epoch', type: 'quantitative' as const },
                y: { field: 'value', type: 'quantitative' as const },
              },
            },
            {
              // The label sits at the top of the panel, left of the rule when it is near the right edge.
              mark: {
                type: 'text' as const,
                align: best > epochs.length * 0.7 ? ('right' as const) : ('left' as const),
                dx: best > epochs.length * 0.7 ? -5 : 5,
                y: 8,
                fontSize: 11,
                color: '#333',
              },
              encoding: {
                x: { field: 'epoch', type: 'quantitative' as const },
                text: { field: 'label', type: 'nominal' as const },
              },
            },
          ],
        },
      ],
    };
  };
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    title: options.title ?? 'Training curves',
    hconcat: [panel('loss', 'Loss'), panel('accuracy', 'Accuracy')],
    resolve: { scale: { color: 'shared' } },
    config: CONFIG,
  };
  return renderVegaLite(spec);
}

/**
 * The frame both confusion charts share: one cell per (true, predicted) pair of classes, in
 * label order, true classes down, predicted across.
 */
function classGrid(classNames: readonly string[], values: Record<string, unknown>[]) {
  const order = [...classNames];
  return {
    $schema: SCHEMA,
    width: 360,
    height: 360,
    data: { values },
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal' as const,
        sort: order,
        title: 'Predicted class',
        axis: { labelAngle: -40 },
      },
      y: { field: 'true', type: 'nominal' as const, sort: order, title: 'True class' },
    },
    config: CONFIG,
  };
}

/**
 * A confusion matrix as a heatmap: rows the true class, columns the predicted one (label order,
 * as scikit-learn's confusion_matrix), each cell its count, shaded by its share of the row (the
 * class's recall on the diagonal, what it is mistaken for elsewhere), so a model's confusions
 * stand out whatever the class sizes.
 */
export function confusionMatrixChart(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
  options: { title?: string } = {},
): Promise<Chart> {
  if (matrix.length !== classNames.length || matrix.some((r) => r.length !== classNames.length)) {
    throw new ReportInputError(
      `confusionMatrixChart: the matrix must be ${classNames.length}x${classNames.length}, one row and column per class; got ${matrix.length} rows.`,
    );
  }
  const values = matrix.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => ({
      true: classNames[t],
      predicted: classNames[p],
      count,
      share: total > 0 ? count / total : 0,
    }));
  });
  const spec: TopLevelSpec = {
    ...classGrid(classNames, values),
    title: options.title ?? 'Confusion matrix (test set)',
    layer: [
      {
        mark: { type: 'rect', tooltip: true },
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'share of the row',
            scale: { scheme: 'blues', domain: [0, 1] },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: '#222' },
        },
      },
    ],
  };
  return renderVegaLite(spec);
}

/**
 * Two models' confusion matrices compared: each cell is the first model's count minus the
 * second's, in a diverging scale (what the first confuses more in one colour, what the second
 * confuses more in the other), so what one model confuses and the other does not stands out.
 */
export function confusionDifferenceChart(
  first: readonly (readonly number[])[],
  second: readonly (readonly number[])[],
  classNames: readonly string[],
  options: { names: [string, string]; title?: string },
): Promise<Chart> {
  const square = (m: readonly (readonly number[])[]) =>
    m.length === classNames.length && m.every((r) => r.length === classNames.length);
  if (!square(first) || !square(second)) {
    throw new ReportInputError(
      `confusionDifferenceChart: both matrices must be ${classNames.length}x${classNames.length}, one row and column per class.`,
    );
  }
  const [a, b] = options.names;
  const values = first.flatMap((row, t) =>
    row.map((count, p) => ({
      true: classNames[t],
      predicted: classNames[p],
      difference: count - second[t]![p]!,
    })),
  );
  const largest = Math.max(1, ...values.map((v) => Math.abs(v.difference)));
  const spec: TopLevelSpec = {
    ...classGrid(classNames, values),
    title: options.title ?? `${a} minus ${b}: confusion matrices (test set)`,
    layer: [
      {
        mark: { type: 'rect', tooltip: true },
        encoding: {
          color: {
            field: 'difference',
            type: 'quantitative',
            title: `${a} − ${b}`,
            // Reversed: more in the first model's cell is red, more in the second's is blue.
            scale: { scheme: 'redblue', domain: [-largest, largest], reverse: true },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: { text: { field: 'difference', type: 'quantitative' } },
      },
    ],
  };
  return renderVegaLite(spec);
}
