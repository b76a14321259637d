/**
 * The explanation as terminal text, in the order the computer does the work: the batch, the
 * forward pass layer by layer, the loss, the backward pass layer by layer, one optimizer step.
 * Formulas are quoted from the source files' top comments, each line prefixed with `| `.
 */
import { renderTableText, type Table } from '@fmnist/reports';
import { num, optimizerRow, percent, sci, shapeText } from './format.js';
import type { OptimizerExplain } from './optimizer-step.js';
import type { Stats } from './stats.js';
import type {
  ExplainResult,
  LayerExplain,
  ReferenceDifference,
  TensorView,
  WeightExplain,
} from './walk.js';

/** Why "Δw engine" and "Δw formula" differ in the last digits. */
export const ROUNDING_NOTE =
  'Δw formula is computed here in float64; Δw engine is what the float32 update did (w after − w before), so it also carries the rounding of w to float32, up to |w|·6e-8.';

/** What `--layer` may name besides a layer: the loss and the optimizer step. */
export const EXTRA_SECTIONS = ['loss', 'optimizer'] as const;

export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n');
}

/** A quoted formula: every line of the source comment, prefixed with `| `. */
export function quoteFormula(lines: readonly string[] | null, path: string): string {
  if (!lines)
    return `(the source file ${path} is not installed here, so its maths cannot be quoted)`;
  return lines.map((line) => (line === '' ? '|' : `| ${line}`)).join('\n');
}

export function statsLine(s: Stats, zero = false): string {
  const parts = [
    `min ${num(s.min)}`,
    `max ${num(s.max)}`,
    `mean ${num(s.mean)}`,
    `std ${num(s.std)}`,
  ];
  if (zero) parts.push(`zero ${percent(s.fractionZero)}`);
  return parts.join('  ');
}

function sampleLabel(v: TensorView): string {
  const { row, start, values } = v.sample;
  return `row ${row}, entries ${start}-${start + values.length - 1}`;
}

function values(list: readonly number[]): string {
  return list.map((x) => num(x).padStart(10)).join(' ');
}

export function referenceLine(d: ReferenceDifference): string {
  return `vs TensorFlow.js: max |diff| ${sci(d.maxAbs)} at scale ${num(d.scale)} (the cross-check allows ${sci(d.allowed)})  ${d.ok ? 'ok' : 'OUTSIDE TOLERANCE'}`;
}

function title(layer: LayerExplain, count: number): string {
  const kind = layer.activation ? `${layer.className}, ${layer.activation}` : layer.className;
  return `[${layer.position}/${count}] ${layer.name} (${kind})`;
}

/** One sentence on what this layer did to this batch, or null when there is nothing to add. */
export function forwardNote(layer: LayerExplain): string | null {
  if (layer.className === 'Dense' && layer.activation === 'relu') {
    return `ReLU closed ${percent(layer.output.stats.fractionZero)} of the units for this batch (output exactly 0).`;
  }
  if (layer.className === 'Dense' && layer.activation === 'sigmoid') {
    return `Sigmoid squeezed every unit into (0, 1): here from ${num(layer.output.stats.min)} to ${num(layer.output.stats.max)}, mean ${num(layer.output.stats.mean)}; its slope y(1 − y) is at most 0.25, so each sigmoid layer passes back at most a quarter of the gradient.`;
  }
  if (layer.className === 'Dense' && layer.activation === 'tanh') {
    return `tanh squeezed every unit into (−1, 1), centred on 0: here from ${num(layer.output.stats.min)} to ${num(layer.output.stats.max)}, mean ${num(layer.output.stats.mean)}; its slope 1 − y² is 1 at 0 and vanishes where units saturate near ±1.`;
  }
  if (layer.className === 'Dense' && layer.activation === 'softmax') {
    return 'Each row is a probability distribution over the 10 classes (it sums to 1).';
  }
  if (layer.dropout) {
    const d = layer.dropout;
    return `Dropped ${percent(d.droppedFraction)} of the units (rate ${d.rate}); kept ones are multiplied by 1/(1 − rate) = ${num(d.scale)}, so each unit's expected value is unchanged.`;
  }
  if (layer.className === 'Flatten')
    return 'Nothing is computed: the same numbers, one row per image.';
  return null;
}

/**
 * A layer's forward part: formula, shapes, statistics, a few values, the reference. A class's
 * formula is quoted in full the first time only (`quoted` remembers which were).
 */
export function forwardText(
  layer: LayerExplain,
  count: number,
  quoted: Set<string> = new Set(),
): string {
  const lines: string[] = [`${title(layer, count)}    ${layer.source.path}`];
  if (quoted.has(layer.className)) {
    lines.push(`  (the same maths as the ${layer.className} layer above)`);
  } else {
    lines.push(indent(quoteFormula(layer.source.formula, layer.source.path)));
    quoted.add(layer.className);
  }
  lines.push(
    `  input ${shapeText(layer.input.shape)}  ->  output ${shapeText(layer.output.shape)}`,
  );
  lines.push(`  output  ${statsLine(layer.output.stats, true)}`);
  const note = forwardNote(layer);
  if (note) lines.push(`  ${note}`);
  lines.push(`  ${sampleLabel(layer.output)}:`);
  lines.push(`    engine  ${values(layer.output.sample.values)}`);
  const ref = layer.output.reference;
  if (ref) {
    lines.push(`    tf.js   ${values(ref.sample)}`);
    lines.push(`  ${referenceLine(ref)}`);
  }
  if (layer.batchNorm) lines.push(indent(batchNormText(layer)));
  return lines.join('\n');
}

function batchNormText(layer: LayerExplain): string {
  const bn = layer.batchNorm!;
  const shown = Math.min(4, bn.channels);
  const table: Table = {
    caption: `Batch statistics of the first ${shown} of ${bn.channels} channels (ε = ${bn.epsilon}, momentum ${bn.momentum}):`,
    columns: [
      { header: 'channel', align: 'left' },
      { header: 'μ (input)', align: 'right' },
      { header: 'σ (input)', align: 'right' },
      { header: 'mean (output)', align: 'right' },
      { header: 'std (output)', align: 'right' },
      { header: 'γ', align: 'right' },
      { header: 'β', align: 'right' },
      { header: 'moving mean', align: 'right' },
      { header: 'moving var', align: 'right' },
    ],
    rows: Array.from({ length: shown }, (_, c) =>
      [
        String(c),
        num(bn.before.mean[c]!),
        num(bn.before.std[c]!),
        num(bn.after.mean[c]!),
        num(bn.after.std[c]!),
        num(bn.gamma[c]!),
        num(bn.beta[c]!),
        num(bn.movingMean[c]!),
        num(bn.movingVariance[c]!),
      ].map((text) => ({ text })),
    ),
  };
  return `${renderTableText(table).trimEnd()}\nAfter normalisation every channel has mean β and std γ·σ/sqrt(σ² + ε): γ when σ² ≫ ε, less for a nearly constant channel, and 0 for a channel ReLU closed for every image (σ = 0). The moving statistics moved ${percent(1 - bn.momentum)} of the way from their start (0 and 1) toward this batch's μ and σ².`;
}

function gradientTable(w: WeightExplain): string {
  const table: Table = {
    columns: [
      { header: 'entry', align: 'left' },
      { header: 'analytic (f64)', align: 'right' },
      { header: 'finite diff.', align: 'right' },
      { header: 'rel. error', align: 'right' },
      { header: 'engine (f32)', align: 'right' },
      { header: 'tf.js (f32)', align: 'right' },
    ],
    rows: w.gradientCheck.map((e) =>
      [
        shapeText(e.index),
        num(e.analytic),
        num(e.numeric),
        e.kink ? `${sci(e.relativeError)} (ReLU kink)` : sci(e.relativeError),
        num(e.engine),
        e.reference === null ? '-' : num(e.reference),
      ].map((text) => ({ text })),
    ),
  };
  return renderTableText(table).trimEnd();
}

/** A layer's backward part: the gradient arriving, the one passed down, each weight's. */
export function backwardText(layer: LayerExplain, count: number): string {
  const lines: string[] = [title(layer, count)];
  const arriving = layer.gradOutput;
  const why =
    arriving.of === 'dL/dz'
      ? ' (from the fused softmax + cross-entropy: (p − onehot)/B)'
      : ' (from the layer above)';
  lines.push(`  arriving     ${arriving.of} ${shapeText(arriving.shape)}${why}`);
  lines.push(`               ${statsLine(arriving.stats)}`);
  lines.push(`  passed down  dL/dx ${shapeText(layer.gradInput.shape)}`);
  lines.push(`               ${statsLine(layer.gradInput.stats, true)}`);
  if (!layer.inputGradUsed) {
    lines.push(
      '               (computed for this explanation only: no layer below has weights, so training skips it)',
    );
  }
  for (const w of layer.weights) {
    if (!w.trainable || !w.grad) {
      lines.push(
        `  ${w.name} ${shapeText(w.shape)}: not trainable (updated by the forward pass, not by gradients)`,
      );
      continue;
    }
    lines.push(`  ${w.name} ${shapeText(w.shape)}: gradient ${statsLine(w.grad)}`);
    lines.push(indent(gradientTable(w), '    '));
    if (w.reference) lines.push(`    ${referenceLine(w.reference)}`);
  }
  if (layer.weights.length === 0) lines.push('  (no weights)');
  return lines.join('\n');
}

export function lossText(result: ExplainResult): string {
  const loss = result.loss;
  const lines = [`Loss    ${loss.source.path}`];
  lines.push(indent(quoteFormula(loss.source.formula, loss.source.path)));
  lines.push(
    `  L = ${num(loss.value)} over ${result.batch.size} images (−log(1/10) = 2.303 is a blind guess); ${loss.correct} of ${result.batch.size} classified right at these weights.`,
  );
  if (loss.difference && loss.reference !== null) {
    lines.push(`  TensorFlow.js: L = ${num(loss.reference)}; ${referenceLine(loss.difference)}`);
  }
  return lines.join('\n');
}

/** The optimizers by their Keras class names. */
export const OPTIMIZER_NAMES = { sgd: 'SGD', adam: 'Adam', rmsprop: 'RMSprop' } as const;

export function optimizerText(result: ExplainResult): string {
  const opt = result.optimizer;
  const name = OPTIMIZER_NAMES[opt.type];
  const settings = Object.entries(opt.config)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [`One ${name} step (${settings}), t = ${opt.t}    ${opt.source.path}`];
  lines.push(indent(quoteFormula(opt.source.formula, opt.source.path)));
  const adam = opt.type === 'adam';
  const table: Table = {
    columns: [
      { header: 'weight', align: 'left' },
      { header: 'entry', align: 'left' },
      { header: 'w', align: 'right' },
      { header: 'g', align: 'right' },
      ...(adam
        ? (['m', 'v', 'm̂', 'v̂'] as const).map((header) => ({ header, align: 'right' as const }))
        : []),
      { header: 'Δw formula', align: 'right' },
      { header: 'Δw engine', align: 'right' },
      { header: 'Δw tf.js', align: 'right' },
    ],
    rows: opt.entries.map((e) => optimizerRow(e, adam).map((text) => ({ text }))),
  };
  lines.push(indent(renderTableText(table).trimEnd()));
  lines.push(`  ${ROUNDING_NOTE}`);
  lines.push(`  ${optimizerNote(opt)}`);
  if (opt.reference) {
    const worst = opt.reference.reduce((a, b) =>
      b.maxAbs / b.allowed > a.maxAbs / a.allowed ? b : a,
    );
    const ok = opt.reference.every((r) => r.ok);
    lines.push(
      `  vs TensorFlow.js after its own step: ${ok ? 'every weight within' : 'NOT every weight within'} the cross-check's tolerance (closest to it: ${worst.weight}, max |diff| ${sci(worst.maxAbs)}, allowed ${sci(worst.allowed)})`,
    );
  }
  return lines.join('\n');
}

function summaryText(result: ExplainResult): string {
  const c = result.gradientCheck;
  const lines = [
    `Finite differences (float64, js backend, h = ${sci(c.step)}): ${c.checked} entries checked, largest relative error ${sci(c.maxRelativeError)} (bound ${sci(c.bound)}, absolute floor ${sci(c.floor)})${c.kinks > 0 ? `; ${c.kinks} skipped at a ReLU kink` : ''}  ${c.ok ? 'ok' : 'ABOVE THE BOUND'}`,
  ];
  if (result.referenceOk !== null) {
    lines.push(
      `TensorFlow.js (${result.reference!.backend}): ${result.referenceOk ? 'every layer output, the loss, every gradient and every updated weight within the cross-check tolerances' : 'SOME DIFFERENCES ARE OUTSIDE the cross-check tolerances (see above)'}`,
    );
  }
  return lines.join('\n');
}

function headerText(result: ExplainResult): string {
  const b = result.batch;
  const shownLabels = b.classNames.slice(0, 8).join(', ');
  return [
    `fmnist explain: one training step of the model '${result.model}', layer by layer`,
    `Batch: ${b.images}, shape ${shapeText(b.shape)}`,
    `  labels: ${shownLabels}${b.size > 8 ? `, ... (${b.size} in all)` : ''}`,
    `  pixels: ${statsLine(b.input.stats, true)}`,
    `Engine: custom, ${result.engine.backend} backend, float32 (seed ${result.seed}). ${
      result.reference
        ? `Reference: TensorFlow.js (${result.reference.backend}), the same weights and dropout mask.`
        : 'Reference: not run.'
    }`,
    `Weights: ${result.weights === 'initial' ? "the model's seeded initial weights, where fit starts" : 'as given (e.g. trained)'}; the optimizer is fresh (its first step).`,
    `The training step itself: ${result.modelSource.path}; a guided tour: docs/how-it-works.md.`,
  ].join('\n');
}

/** The whole explanation, or only the part `only` names (a layer, `loss` or `optimizer`). */
export function explainText(result: ExplainResult, only?: string): string {
  const count = result.layers.length;
  const parts: string[] = [headerText(result)];
  const layers = only ? result.layers.filter((l) => l.name === only) : result.layers;
  const quoted = new Set<string>();
  if (layers.length > 0) {
    parts.push(
      `== Forward: each layer computes its output from the one below (training mode) ==`,
      ...layers.map((l) => forwardText(l, count, quoted)),
    );
  }
  if (!only || only === 'loss') parts.push('== Loss ==', lossText(result));
  if (layers.length > 0) {
    parts.push(
      '== Backward: each layer turns the gradient of its output into the gradient of its weights and input ==',
      ...[...layers].reverse().map((l) => backwardText(l, count)),
    );
  }
  if (!only || only === 'optimizer') parts.push('== Update ==', optimizerText(result));
  parts.push('== Checks ==', summaryText(result));
  return `${parts.join('\n\n')}\n`;
}

/** What one step of the optimizer does, in a sentence or two (explain's text and page). */
export function optimizerNote(opt: OptimizerExplain): string {
  if (opt.type === 'adam') {
    return `α = lr·sqrt(1 − β2^t)/(1 − β1^t) = ${num(opt.alpha!)}. At t = 1, m̂ = g and v̂ = g², so Δw = −lr·g/(|g| + ε/sqrt(1 − β2)): about lr = ${opt.config.learningRate} against the sign of g, whatever the gradient's size. Later steps average g over time and the steps shrink where the gradient's sign keeps changing.`;
  }
  if (opt.type === 'rmsprop') {
    return `RMSprop divides by the root of the running mean square s of g (ρ = ${opt.config.rho}): at t = 1, s = (1 − ρ)·g², so Δw = −lr·g/sqrt((1 − ρ)·g² + ε), about lr/sqrt(1 − ρ) = ${num(Number(opt.config.learningRate) / Math.sqrt(1 - Number(opt.config.rho)))} against the sign of g whatever its size.`;
  }
  if (Number(opt.config.momentum ?? 0) > 0) {
    return `With momentum μ = ${opt.config.momentum} the step is the velocity v = μ·v − lr·g, which starts at 0: at t = 1, Δw = −lr·g${opt.config.nesterov === 'true' ? ', and Nesterov adds the look-ahead μ·v, so Δw = −lr·g·(1 + μ)' : ''}; later steps keep μ of the previous one, so a steady gradient speeds up to lr·g/(1 − μ).`;
  }
  return `Δw = −lr·g: the step is the gradient scaled by lr = ${opt.config.learningRate}, so small gradients move weights very little.`;
}
