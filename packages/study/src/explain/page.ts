/**
 * The explanation as a page: one self-contained HTML file (written atomically with its figures,
 * results.json and a Markdown copy by packages/reports' writeReport), with figures the terminal
 * cannot show: the first Dense layer's weights and gradients as one heat map per unit, a
 * histogram of every layer's output, and batch normalisation's statistics before and after.
 */

import { describeCrop } from '@fmnist/data';
import {
  type Block,
  type FigureBlock,
  imageGrid,
  type RenderedFigure,
  type ReportDocument,
  renderVegaLite,
  type Section,
  type Table,
  weightsGrid,
} from '@fmnist/reports';
import { type ReportAttachment, reportFiles } from '@fmnist/reports/node';
import {
  type ExplainArrays,
  type ExplainModelName,
  type ExplainOptions,
  type ExplainResult,
  type Explanation,
  explainModel,
  forwardNote,
  type LayerExplain,
  num,
  OPTIMIZER_NAMES,
  optimizerNote,
  optimizerRow,
  percent,
  type ReferenceDifference,
  ROUNDING_NOTE,
  type Stats,
  sci,
  shapeText,
  type TensorView,
} from '../index.js';

type VegaLiteSpec = Parameters<typeof renderVegaLite>[0];

const CHART_CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  title: { fontSize: 13, anchor: 'start' as const, offset: 8 },
};

function figure(name: string, caption: string, rendered: RenderedFigure): FigureBlock {
  return {
    type: 'figure',
    name,
    caption,
    svg: rendered.svg,
    png: rendered.png,
    preferred: rendered.preferred ?? 'svg',
  };
}

function table(columns: string[], rows: string[][], caption?: string): Block {
  const t: Table = {
    columns: columns.map((header, i) => ({ header, align: i === 0 ? 'left' : 'right' })),
    rows: rows.map((row) => row.map((text) => ({ text }))),
    ...(caption ? { caption } : {}),
  };
  return { type: 'table', table: t };
}

function statsRow(label: string, v: TensorView | { shape: number[]; stats: Stats }): string[] {
  const s = v.stats;
  return [
    label,
    shapeText(v.shape),
    num(s.min),
    num(s.max),
    num(s.mean),
    num(s.std),
    percent(s.fractionZero),
  ];
}

const STATS_COLUMNS = ['', 'shape', 'min', 'max', 'mean', 'std', 'zero'];

function referenceText(what: string, d: ReferenceDifference | null): string | null {
  if (!d) return null;
  return `${what} against TensorFlow.js with the same weights: max |diff| ${sci(d.maxAbs)} at scale ${num(d.scale)}; the cross-check allows ${sci(d.allowed)} (abs ${sci(d.tolerance.abs)} + rel ${sci(d.tolerance.rel)} × scale): ${d.ok ? 'within tolerance' : 'OUTSIDE TOLERANCE'}.`;
}

/** A histogram of one layer's output over the whole batch (every unit of every image). */
async function histogram(values: Float32Array, title: string): Promise<RenderedFigure> {
  const spec: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 150,
    data: { values: Array.from(values, (v) => ({ v })) },
    mark: { type: 'bar', color: '#4c78a8' },
    encoding: {
      x: { field: 'v', type: 'quantitative', bin: { maxbins: 40 }, title: 'value' },
      y: { aggregate: 'count', type: 'quantitative', title: 'entries' },
    },
    config: CHART_CONFIG,
  };
  return renderVegaLite(spec);
}

/** Per channel, mean and std of batch normalisation's input and output. */
async function batchNormChart(layer: LayerExplain): Promise<RenderedFigure> {
  const bn = layer.batchNorm!;
  const values = ['before', 'after'].flatMap((when) => {
    const s = when === 'before' ? bn.before : bn.after;
    return s.mean.map((mean, c) => ({ channel: c, when, mean, std: s.std[c]! }));
  });
  const panel = (field: 'mean' | 'std', title: string) => ({
    width: 360,
    height: 180,
    mark: { type: 'point' as const, filled: true, size: 28 },
    encoding: {
      x: { field: 'channel', type: 'quantitative' as const, title: 'channel' },
      y: { field, type: 'quantitative' as const, title },
      color: {
        field: 'when',
        type: 'nominal' as const,
        title: null,
        sort: ['before', 'after'],
        scale: { domain: ['before', 'after'], range: ['#f58518', '#4c78a8'] },
      },
    },
  });
  const spec: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${layer.name}: per-channel statistics over the batch, before and after normalisation`,
    data: { values },
    hconcat: [panel('mean', 'mean over the batch'), panel('std', 'std over the batch')],
    config: CHART_CONFIG,
  };
  return renderVegaLite(spec);
}

/** Column j of a row-major [rows × cols] matrix: unit j's weights over the inputs. */
function column(values: Float32Array, rows: number, cols: number, j: number): Float32Array {
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = values[i * cols + j]!;
  return out;
}

function formulaBlock(layer: { source: { path: string; formula: string[] | null } }): Block {
  return {
    type: 'pre',
    caption: `What it computes, from the comment at the top of ${layer.source.path}:`,
    text: layer.source.formula?.join('\n') ?? `(${layer.source.path} is not installed here)`,
  };
}

async function forwardSection(
  layer: LayerExplain,
  arrays: ExplainArrays,
  index: number,
  result: ExplainResult,
): Promise<Section> {
  const blocks: Block[] = [formulaBlock(layer)];
  const note = forwardNote(layer);
  if (note) blocks.push({ type: 'paragraph', text: note });
  blocks.push(
    table(
      STATS_COLUMNS,
      [statsRow('input', layer.input), statsRow('output', layer.output)],
      'What goes in and what comes out (training mode)',
    ),
  );
  const sample = layer.output.sample;
  const sampleRows = [['engine', ...sample.values.map(num)]];
  if (layer.output.reference)
    sampleRows.push(['TensorFlow.js', ...layer.output.reference.sample.map(num)]);
  blocks.push(
    table(
      ['', ...sample.values.map((_, k) => `[${sample.row}, ${sample.start + k}]`)],
      sampleRows,
      'A few actual output values (image 0)',
    ),
  );
  const ref = referenceText('The output', layer.output.reference);
  if (ref) blocks.push({ type: 'paragraph', text: ref });
  const closed =
    layer.activation === 'relu'
      ? ` The bar at 0 holds the units ReLU closed (${percent(layer.output.stats.fractionZero)}).`
      : '';
  blocks.push(
    figure(
      `histogram-${layer.name}`,
      `Histogram of every output value of ${layer.name} over the batch.${closed}`,
      await histogram(arrays.outputs[index]!, `${layer.name}: output values`),
    ),
  );
  if (layer.batchNorm) {
    const bn = layer.batchNorm;
    blocks.push(
      figure(
        `batchnorm-${layer.name}`,
        `Before normalisation each channel has its own mean and spread (ReLU outputs: non-negative, many zeros); after it, every channel has mean β and std γ·σ/sqrt(σ² + ε) over the batch: γ when σ² ≫ ε = ${bn.epsilon}, less for a nearly constant channel, and 0 for a channel ReLU closed for every image (σ = 0). The moving statistics moved ${percent(1 - bn.momentum)} of the way toward this batch's.`,
        await batchNormChart(layer),
      ),
    );
    blocks.push(
      table(
        [
          'channel',
          'μ (input)',
          'σ (input)',
          'mean (output)',
          'std (output)',
          'moving mean',
          'moving variance',
        ],
        Array.from({ length: Math.min(8, bn.channels) }, (_, c) => [
          String(c),
          num(bn.before.mean[c]!),
          num(bn.before.std[c]!),
          num(bn.after.mean[c]!),
          num(bn.after.std[c]!),
          num(bn.movingMean[c]!),
          num(bn.movingVariance[c]!),
        ]),
        `The first ${Math.min(8, bn.channels)} of ${bn.channels} channels`,
      ),
    );
  }
  const kernel = arrays.firstKernel;
  if (kernel && `${layer.name}/kernel` === kernel.name) {
    const [height, width] = result.batch.shape.slice(1) as [number, number];
    const inputs = height * width;
    const units = (values: Float32Array) =>
      Array.from({ length: kernel.units }, (_, j) => column(values, inputs, kernel.units, j));
    blocks.push(
      figure(
        'weights-first-dense',
        `Each of the ${kernel.units} units of ${layer.name} weighs the ${height}x${width} pixels of the image: its column of the kernel drawn as an image (red positive, blue negative), units 0-${kernel.units - 1} row by row. ${result.weights === 'initial' ? 'These are the initial weights, Glorot-uniform noise: nothing has been learnt yet.' : 'These are the weights the explanation was given (trained ones show which pixels each unit looks for).'}`,
        weightsGrid(units(kernel.values), height, width, {
          cols: 16,
          scale: 3,
          captions: null,
          title: `${kernel.name}: one ${height}x${width} image per unit`,
        }),
      ),
    );
    blocks.push(
      figure(
        'gradients-first-dense',
        `The gradient of the same weights for this batch, each unit at its own colour scale. dW = xᵀ·dz is a sum of the batch's images, each weighted by how much the unit's output should change for it (zero where ReLU was closed), so the clothes show through.`,
        weightsGrid(units(kernel.grad), height, width, {
          cols: 16,
          scale: 3,
          captions: null,
          sharedScale: false,
          title: `d loss / d ${kernel.name}: one ${height}x${width} image per unit`,
        }),
      ),
    );
  }
  const kind = layer.activation ? `${layer.className}, ${layer.activation}` : layer.className;
  return { heading: `${layer.name} (${kind})`, blocks };
}

function backwardSection(layer: LayerExplain): Section {
  const blocks: Block[] = [
    table(
      STATS_COLUMNS,
      [
        statsRow(`arriving ${layer.gradOutput.of}`, layer.gradOutput),
        statsRow('passed down dL/dx', layer.gradInput),
        ...layer.weights
          .filter((w) => w.trainable && w.grad)
          .map((w) => statsRow(`d loss / d ${w.name}`, { shape: w.shape, stats: w.grad! })),
      ],
      'Gradients (training mode)',
    ),
  ];
  for (const w of layer.weights) {
    if (!w.trainable) continue;
    blocks.push(
      table(
        [
          'entry',
          'analytic (float64)',
          'finite difference',
          'relative error',
          'engine (float32)',
          'TensorFlow.js',
        ],
        w.gradientCheck.map((e) => [
          shapeText(e.index),
          num(e.analytic),
          num(e.numeric),
          `${sci(e.relativeError)}${e.kink ? ' (ReLU kink)' : ''}`,
          num(e.engine),
          e.reference === null ? '-' : num(e.reference),
        ]),
        `${w.name}: the backward pass against a central finite difference`,
      ),
    );
    const ref = referenceText(`The gradient of ${w.name}`, w.reference);
    if (ref) blocks.push({ type: 'paragraph', text: ref });
  }
  return { heading: `${layer.name} backward`, blocks };
}

function optimizerSection(result: ExplainResult): Section {
  const opt = result.optimizer;
  const adam = opt.type === 'adam';
  const columns = [
    'weight',
    'entry',
    'w',
    'g',
    ...(adam ? ['m', 'v', 'm̂', 'v̂'] : []),
    'Δw formula',
    'Δw engine',
    'Δw TensorFlow.js',
  ];
  const rows = opt.entries.map((e) => optimizerRow(e, adam));
  const blocks: Block[] = [
    {
      type: 'pre',
      caption: `What it computes, from the comment at the top of ${opt.source.path}:`,
      text: opt.source.formula?.join('\n') ?? '',
    },
    table(columns, rows, `One ${OPTIMIZER_NAMES[opt.type]} step, t = ${opt.t}`),
    { type: 'paragraph', text: ROUNDING_NOTE },
    { type: 'paragraph', text: optimizerNote(opt) },
  ];
  if (opt.reference) {
    blocks.push(
      table(
        ['weight', 'max |diff|', 'allowed', 'verdict'],
        opt.reference.map((r) => [
          r.weight,
          sci(r.maxAbs),
          sci(r.allowed),
          r.ok ? 'ok' : 'OUTSIDE',
        ]),
        'Every weight after the step against TensorFlow.js after its own step',
      ),
    );
  }
  return { heading: 'One optimizer step', blocks };
}

/** The explanation as a report document (figures rendered). */
export async function explainDocument(explanation: Explanation): Promise<ReportDocument> {
  const { result, arrays } = explanation;
  const [height, width] = result.batch.shape.slice(1) as [number, number];
  const shown = Math.min(8, result.batch.size);
  const batchFigure = imageGrid(
    Array.from({ length: shown }, (_, i) => ({
      image: {
        pixels: arrays.input.subarray(i * height * width, (i + 1) * height * width),
        height,
        width,
      },
      caption: result.batch.classNames[i]!,
    })),
    { cols: shown, scale: 4 },
  );
  const forward: Section[] = [];
  for (const [i, layer] of result.layers.entries()) {
    forward.push(await forwardSection(layer, arrays, i, result));
  }
  const c = result.gradientCheck;
  const checks = [
    `Finite differences (float64, js backend, h = ${sci(c.step)}): ${c.checked} entries checked, largest relative error ${sci(c.maxRelativeError)}, bound ${sci(c.bound)} (relative error = |analytic − numeric| / max(|analytic|, |numeric|, ${sci(c.floor)})).${c.kinks ? ` ${c.kinks} entries skipped: a ReLU switched within ±h.` : ''}`,
    `Why that bound: the central difference errs by truncation, h²/6 · L''' ≈ 1e-10, plus rounding, about ε·|L|/h ≈ 5e-11 in float64, i.e. a relative error of at most about 1e-6 for gradient entries of 1e-4 and more. A bound of ${sci(c.bound)} leaves a hundredfold margin, while any wrong formula (a missing term or factor) errs by order 1. The absolute floor ${sci(c.floor)} keeps near-zero gradients, whose relative error means nothing, from failing on rounding noise; an entry where a ReLU switches between w − h and w + h is not smooth there and is flagged, not held to the bound.`,
  ];
  if (result.referenceOk !== null) {
    checks.push(
      `TensorFlow.js (${result.reference!.backend}): ${result.referenceOk ? 'every layer output, the loss, every gradient and every updated weight within the cross-check tolerances.' : 'some differences are outside the cross-check tolerances.'}`,
    );
  }
  const loss = result.loss;
  return {
    title: `Inside '${result.model}': one training step, layer by layer`,
    subtitle: `One real mini-batch walked forward through every layer, into the loss, backward through every layer, and through one optimizer step. Every formula is quoted from the engine's source; the training loop is in ${result.modelSource.path}.`,
    metadata: {
      engine: 'custom',
      backend: result.engine.backend,
      seed: result.seed,
      extra: {
        model: result.model,
        batch: result.batch.size,
        images: describeCrop(result.crop),
        reference: result.reference ? `TensorFlow.js (${result.reference.backend})` : 'not run',
      },
    },
    sections: [
      {
        heading: 'The batch',
        blocks: [
          {
            type: 'paragraph',
            text: `${result.batch.images}: shape ${shapeText(result.batch.shape)}.`,
          },
          figure(
            'batch',
            `The first ${shown} images of the batch, with their labels.`,
            batchFigure,
          ),
          table(STATS_COLUMNS, [statsRow('pixels', result.batch.input)]),
        ],
      },
      { heading: 'Forward pass', blocks: [], sections: forward },
      {
        heading: 'Loss',
        blocks: [
          formulaBlock(loss),
          {
            type: 'paragraph',
            text: `L = ${num(loss.value)} over ${result.batch.size} images (a blind guess scores −log(1/10) = 2.303); ${loss.correct} of ${result.batch.size} are classified right at these weights.${loss.reference !== null ? ` TensorFlow.js: ${num(loss.reference)}.` : ''}`,
          },
        ],
      },
      {
        heading: 'Backward pass',
        blocks: [
          {
            type: 'paragraph',
            text: "From the top layer down: each layer receives the gradient of the loss with respect to its output, writes its weights' gradients and passes the gradient with respect to its input down. Each weight's gradient is checked on a few entries against a central finite difference of the loss in float64, and against TensorFlow.js.",
          },
        ],
        sections: [...result.layers].reverse().map(backwardSection),
      },
      optimizerSection(result),
      { heading: 'Checks', blocks: [{ type: 'list', items: checks }] },
    ],
    results: result,
  };
}

/**
 * The files of one of the study's models' explain page, to carry inside the study's report
 * folder under `explain/<model>/` (see `explainLink`): they are written with the report, in its
 * one atomic swap, so an interrupted study never leaves pages of one run beside a report of
 * another.
 */
export async function explainPageFiles(
  model: ExplainModelName,
  options: Omit<ExplainOptions, 'model'>,
): Promise<ReportAttachment[]> {
  const explanation = await explainModel({ ...options, model });
  const prefix = explainFolder(model);
  return reportFiles(await explainDocument(explanation)).map((file) => ({
    path: `${prefix}/${file.path}`,
    content: file.content,
  }));
}

/** Where a model's explain page sits inside the study's report folder. */
export function explainFolder(model: ExplainModelName): string {
  return `explain/${model}`;
}

/** The link from the study's report.html to a model's explain page (relative, no `--out` in it). */
export function explainLink(model: ExplainModelName): string {
  return `${explainFolder(model)}/report.html`;
}
