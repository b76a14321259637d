/**
 * The lab page: a form for one training run (a model, Part 1's pair or all of Part 2), live
 * curves (uPlot), inside-a-layer views, the classification report of each model and the part's
 * comparison at the end. Training runs in a Web Worker (worker.ts) so the page stays
 * responsive; Stop pauses it between two batches and Resume carries on from there; Train starts
 * a new run.
 */
import { CLASS_NAMES } from '@fmnist/data';
import type { ModelFile, ModelSpec } from '@fmnist/nn';
import type { Experiment } from '@fmnist/study/experiment';
import type { StepView } from '@fmnist/study/lab/step';
import type { Mistake } from '@fmnist/study/results';
import { MODEL_NAMES, type ModelName, stats } from '@fmnist/study/training';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './main.css';
import { type Histogram, type LayerView, summaryLine } from '@fmnist/study/lab';
import {
  decodeExperiment,
  encodeExperiment,
  experimentFileText,
  fromStudyModel,
} from './editor.js';
import { ExperimentEditor } from './editor-view.js';
import {
  type BackendMeasurement,
  type CrosscheckResult,
  type FromWorker,
  LAB_BACKEND_CHOICES,
  type LabBackendChoice,
  type Part1View,
  type Part2View,
  type Run,
  type TrainRequest,
} from './protocol.js';
import {
  addEvent,
  bestEpoch,
  type Curves,
  crosscheckLine,
  emptyCurves,
  FORMULA_CHOICES,
  formatNumber,
  formatSeconds,
  formulaFor,
  labJobs,
  networkBlocks,
  parseWhole,
  progressLine,
  queryFromSetup,
  RUN_CHOICES,
  SETUP_FIELDS,
  setupFromQuery,
} from './state.js';
import { statsLine, unitImage, type WeightsSnapshot } from './weights-view.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** The address the page was opened with, read before the form rewrites it. */
const openedWith = location.search;
const form = $<HTMLFormElement>('controls');
const modelSelect = $<HTMLSelectElement>('model');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const resumeButton = $<HTMLButtonElement>('resume');
const checkButton = $<HTMLButtonElement>('check');
const crosscheckButton = $<HTMLButtonElement>('crosscheck');
const layerSelect = $<HTMLSelectElement>('layer');
const stepButton = $<HTMLButtonElement>('step');
const message = $<HTMLParagraphElement>('message');
/** The training worker of the run in progress, or of the last run (it holds the model). */
let worker: Worker | null = null;
/** The layer last clicked in the network picture: the views open on it once training starts. */
let pickedLayer = '';

for (const { value, label } of RUN_CHOICES) {
  const option = document.createElement('option');
  option.value = value;
  option.textContent = label;
  modelSelect.append(option);
}
modelSelect.value = 'top';

const backendSelect = $<HTMLSelectElement>('backend-choice');
for (const { value, label } of LAB_BACKEND_CHOICES) backendSelect.add(new Option(label, value));
backendSelect.value = 'auto';

// The setup lives in the page's address: a link opens the same form, and every change to the
// form rewrites the address (without a new history entry).
const setupInputs = {
  model: modelSelect,
  seed: $<HTMLInputElement>('seed'),
  limit: $<HTMLInputElement>('limit'),
  epochs: $<HTMLInputElement>('epochs'),
  backend: backendSelect,
} as const;
const linked = setupFromQuery(location.search, {
  model: RUN_CHOICES.map((c) => c.value),
  backend: LAB_BACKEND_CHOICES.map((c) => c.value),
});
for (const field of SETUP_FIELDS) {
  const value = linked[field];
  if (value !== undefined) setupInputs[field].value = value;
}
function keepSetupInAddress(): void {
  const setup = Object.fromEntries(SETUP_FIELDS.map((f) => [f, setupInputs[f].value]));
  // Your own model travels whole in the address, so a link opens the very same setup.
  const own = modelSelect.value === 'experiment' ? editor?.state.edited : undefined;
  history.replaceState(
    null,
    '',
    `${queryFromSetup(setup)}${own ? `&experiment=${encodeExperiment(own)}` : ''}`,
  );
}
for (const field of SETUP_FIELDS) {
  setupInputs[field].addEventListener('input', keepSetupInAddress);
  setupInputs[field].addEventListener('change', keepSetupInAddress);
}

const CHART_HEIGHT = 220;
const width = (el: HTMLElement) => Math.max(260, el.clientWidth);

function chart(el: HTMLElement, series: uPlot.Series[], x: string, hooks?: uPlot.Hooks.Arrays) {
  return new uPlot(
    {
      width: width(el),
      height: CHART_HEIGHT,
      scales: { x: { time: false }, y: { auto: true }, acc: { range: [0, 1] } },
      axes: [
        { label: x },
        { label: 'loss', scale: 'y' },
        { label: 'accuracy', scale: 'acc', side: 1, grid: { show: false } },
      ],
      series: [{ label: x }, ...series],
      ...(hooks ? { hooks } : {}),
    },
    [[], ...series.map(() => [])],
    el,
  );
}

let curves: Curves = emptyCurves();
const batchEl = $('batch-chart');
const epochEl = $('epoch-chart');
const batchChart = chart(
  batchEl,
  [
    { label: 'loss', stroke: '#1f77b4', scale: 'y' },
    { label: 'accuracy', stroke: '#ff7f0e', scale: 'acc' },
  ],
  'epoch',
);
const epochChart = chart(
  epochEl,
  [
    { label: 'loss', stroke: '#1f77b4', scale: 'y', points: { show: true } },
    { label: 'val_loss', stroke: '#1f77b4', dash: [4, 4], scale: 'y', points: { show: true } },
    { label: 'accuracy', stroke: '#ff7f0e', scale: 'acc', points: { show: true } },
    {
      label: 'val_accuracy',
      stroke: '#ff7f0e',
      dash: [4, 4],
      scale: 'acc',
      points: { show: true },
    },
  ],
  'epoch',
  {
    draw: [
      (u: uPlot) => {
        const best = bestEpoch(curves.epochs);
        if (best === null) return;
        const x = u.valToPos(best, 'x', true);
        const { ctx } = u;
        ctx.save();
        ctx.strokeStyle = '#2ca02c';
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.restore();
      },
    ],
  },
);
new ResizeObserver(() => {
  batchChart.setSize({ width: width(batchEl), height: CHART_HEIGHT });
  epochChart.setSize({ width: width(epochEl), height: CHART_HEIGHT });
}).observe(document.body);

let drawPending = false;
function redraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    batchChart.setData([curves.batchX, curves.batchLoss, curves.batchAccuracy]);
    const e = curves.epochs;
    epochChart.setData([
      curves.epochX,
      e.map((l) => l.loss),
      e.map((l) => l.val_loss),
      e.map((l) => l.accuracy),
      e.map((l) => l.val_accuracy),
    ]);
  });
}

const formulaSelect = $<HTMLSelectElement>('formula');
for (const choice of FORMULA_CHOICES) formulaSelect.add(new Option(choice.label, choice.value));
const showFormula = () => {
  $('formula-text').textContent =
    FORMULA_CHOICES.find((c) => c.value === formulaSelect.value)?.formula ?? '';
};
formulaSelect.addEventListener('change', showFormula);
showFormula();

/** The first 32 units as tiles, 8 per row, 2 pixels per weight. */
const TILES = 32;
const PER_ROW = 8;
function drawWeights(s: WeightsSnapshot, epoch: number, step: number) {
  const canvas = $<HTMLCanvasElement>('weights');
  const scale = 2;
  const gap = 4;
  const tileW = s.width * scale + gap;
  const tileH = s.height * scale + gap;
  const shown = Math.min(TILES, s.units);
  const w = PER_ROW * tileW;
  const h = Math.ceil(shown / PER_ROW) * tileH;
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const tile = new ImageData(s.width, s.height);
  const small = new OffscreenCanvas(s.width, s.height);
  const smallCtx = small.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  for (let u = 0; u < shown; u++) {
    tile.data.set(unitImage(s, u));
    smallCtx.putImageData(tile, 0, 0);
    const x = (u % PER_ROW) * tileW;
    const y = Math.floor(u / PER_ROW) * tileH;
    ctx.drawImage(small, x, y, s.width * scale, s.height * scale);
  }
  $('weights-note').textContent =
    `${shown} of ${s.units} units, ${s.height}x${s.width} each; epoch ${epoch + 1}, step ${step}.`;
  $('weights-stats').textContent = `W (${s.inputs}x${s.units}): ${statsLine(stats(s.kernel))}`;
}

// --- inside a layer ------------------------------------------------------------------------

let layers: LayerView[] = [];

function drawHistogram(id: string, h: Histogram) {
  const canvas = $<HTMLCanvasElement>(id);
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: hgt } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, hgt);
  const top = Math.max(1, ...h.counts);
  const bw = w / h.counts.length;
  ctx.fillStyle = '#1f77b4';
  h.counts.forEach((c, i) => {
    const bh = (c / top) * (hgt - 14);
    ctx.fillRect(i * bw + 1, hgt - 12 - bh, bw - 2, bh);
  });
  ctx.fillStyle = '#444';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText(formatNumber(h.min, 3), 2, hgt - 1);
  ctx.textAlign = 'right';
  ctx.fillText(formatNumber(h.max, 3), w - 2, hgt - 1);
}

function showLayer() {
  const view = layers.find((l) => l.name === layerSelect.value) ?? layers[0];
  if (!view) return;
  drawHistogram('hist-output', view.output.histogram);
  drawHistogram('hist-grad-out', view.gradOutput.histogram);
  drawHistogram('hist-grad-in', view.gradInput.histogram);
  $('layer-output').textContent = summaryLine(view.output.stats);
  $('layer-grad-out').textContent = summaryLine(view.gradOutput.stats);
  $('layer-grad-in').textContent = summaryLine(view.gradInput.stats);
  $('layer-params').textContent = view.parameters.length
    ? view.parameters.map((p) => `${p.name.padEnd(16)} ${summaryLine(p.stats)}`).join('\n')
    : `${view.className}: no parameters beside its weights`;
}

function onLayers(next: LayerView[]) {
  const names = next.map((l) => l.name).join();
  if (names !== layers.map((l) => l.name).join()) {
    const keep = layerSelect.disabled ? pickedLayer : layerSelect.value;
    layerSelect.replaceChildren(
      ...next.map((l) => {
        const option = document.createElement('option');
        option.value = l.name;
        option.textContent = `${l.name} (${l.className})`;
        return option;
      }),
    );
    layerSelect.value = next.some((l) => l.name === keep) ? keep : (next[1]?.name ?? next[0]!.name);
    layerSelect.disabled = false;
    markNetworkLayer();
    layers = next;
    // The layer the page picked shows its own formula, as one the user picks does.
    showFormulaOfLayer();
  }
  layers = next;
  showLayer();
}

/** The formula of the layer picked in the layer select. */
function showFormulaOfLayer(): void {
  const view = layers.find((l) => l.name === layerSelect.value);
  if (view) {
    formulaSelect.value = formulaFor(view.className);
    showFormula();
  }
}

/** The run in progress (its models' networks are drawn as each begins). */
let currentRun: Run = modelSelect.value as Run;
let currentExperiment: Experiment | undefined;

// --- your own model: the experiment editor ------------------------------------------------------

const editorSection = $('editor');
const experimentBar = $('experiment-bar');
/** The study model the form showed last: the editor starts from it until it is edited. */
let startFrom: ModelName = (MODEL_NAMES as readonly string[]).includes(modelSelect.value)
  ? modelSelect.value
  : 'top';
let editorTouched = false;
let editor: ExperimentEditor | undefined;
editor = new ExperimentEditor(editorSection, fromStudyModel(startFrom), (state) => {
  if (modelSelect.value !== 'experiment') return;
  editorTouched = true;
  trainButton.disabled = state.experiment === undefined || worker !== null;
  if (state.experiment) showExperimentNetwork(state.experiment);
  keepSetupInAddress();
});
editorTouched = false;
const linkedExperiment = new URLSearchParams(openedWith).get('experiment');
if (linkedExperiment !== null && modelSelect.value === 'experiment') {
  const decoded = decodeExperiment(linkedExperiment);
  if ('error' in decoded) message.textContent = decoded.error;
  else {
    editor.set(decoded.experiment);
    editorTouched = true;
  }
}

function showExperimentNetwork(experiment: Experiment): void {
  const first = labJobs({ run: 'experiment', experiment })[0];
  if (first) showNetwork(first.spec, first.name);
}

/** The form for the run picked: the editor for your own model, the epochs field otherwise. */
function showRunForm(): void {
  const own = modelSelect.value === 'experiment';
  if (!own && (MODEL_NAMES as readonly string[]).includes(modelSelect.value))
    startFrom = modelSelect.value;
  if (own && !editorTouched) editor?.set(fromStudyModel(startFrom));
  editorSection.hidden = !own;
  experimentBar.hidden = !own;
  $('epochs-field').hidden = own;
  trainButton.disabled = (own && !editor?.state.experiment) || worker !== null;
}
modelSelect.addEventListener('change', showRunForm);

$<HTMLInputElement>('open-experiment').addEventListener('change', async (event) => {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  if (!file || !editor) return;
  const error = editor.open(await file.text(), file.name);
  message.textContent = error ?? '';
  if (!error) editorTouched = true;
  input.value = '';
});

$('download-experiment').addEventListener('click', () => {
  if (!editor) return;
  const seed = parseWhole($<HTMLInputElement>('seed').value, 'The seed', 0, 2 ** 32 - 1);
  const text = experimentFileText(editor.state.edited, 'value' in seed ? seed.value : undefined);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  link.download = `${editor.state.edited.name || 'experiment'}.json`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
});

/** The network as blocks, input first; a click opens the layer here and its formula. */
function showNetwork(spec: ModelSpec, modelName: string): void {
  const blocks = networkBlocks(spec);
  $('network').replaceChildren(
    ...blocks.map((b) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'layer-block';
      button.dataset.layer = b.name;
      button.setAttribute('aria-label', `${b.name} (${b.className}) of ${modelName}`);
      const line = (text: string, cls: string) =>
        Object.assign(document.createElement('span'), { textContent: text, className: cls });
      button.append(
        line(b.name, 'block-name'),
        line(b.className, 'block-class'),
        ...(b.detail ? [line(b.detail, 'block-detail')] : []),
        line(b.outputShape, 'block-shape'),
        line(`${b.params.toLocaleString('en-US')} params`, 'block-params'),
      );
      button.addEventListener('click', () => openLayer(b.name, b.className));
      item.append(button);
      return item;
    }),
  );
  markNetworkLayer();
}

/** The block of the layer the views show (or, before training, the one clicked), marked. */
function markNetworkLayer(): void {
  const shown = layerSelect.disabled ? pickedLayer : layerSelect.value;
  for (const el of $('network').querySelectorAll<HTMLButtonElement>('.layer-block')) {
    el.classList.toggle('selected', el.dataset.layer === shown);
  }
}

function openLayer(name: string, className: string): void {
  pickedLayer = name;
  formulaSelect.value = formulaFor(className);
  showFormula();
  if ([...layerSelect.options].some((o) => o.value === name)) {
    layerSelect.value = name;
    showLayer();
  }
  markNetworkLayer();
  scrollStepTo(name);
  $('network').closest('section')?.scrollIntoView({ block: 'start', behavior: 'smooth' });
}

/** The Step view, scrolled to where the layer's forward pass begins (when a step was taken). */
function scrollStepTo(name: string): void {
  const pre = $('step-text');
  const line = (pre.textContent ?? '').split('\n').findIndex((l) => l.includes(`] ${name} (`));
  if (line < 0) return;
  const lineHeight = Number.parseFloat(getComputedStyle(pre).lineHeight) || 16;
  pre.scrollTop = line * lineHeight;
  pre.dataset.layer = name;
}

/** Before a run: the first model the form's run would train. */
function showPlannedNetwork(): void {
  const run = modelSelect.value as Run;
  const experiment = run === 'experiment' ? editor?.state.experiment : undefined;
  const first = labJobs({ run, ...(experiment ? { experiment } : {}) })[0];
  if (first) showNetwork(first.spec, first.name);
}
modelSelect.addEventListener('change', showPlannedNetwork);
showRunForm();
showPlannedNetwork();

layerSelect.addEventListener('change', () => {
  markNetworkLayer();
  showFormulaOfLayer();
  showLayer();
});

// --- results and comparisons ---------------------------------------------------------------

function table(head: string[], rows: (string | number)[][], caption: string): HTMLTableElement {
  const t = document.createElement('table');
  const c = t.createCaption();
  c.textContent = caption;
  const tr = t.createTHead().insertRow();
  for (const h of head) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    tr.append(th);
  }
  const body = t.createTBody();
  for (const r of rows) {
    const row = body.insertRow();
    for (const cell of r) row.insertCell().textContent = String(cell);
  }
  return t;
}

/** A 28x28 grayscale image as a canvas, dark on light as the report draws it. */
function imageCanvas(pixels: Uint8Array, caption: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = 28;
  canvas.height = 28;
  canvas.title = caption;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', caption);
  const data = new ImageData(28, 28);
  pixels.forEach((p, i) => {
    data.data.set([255 - p, 255 - p, 255 - p, 255], i * 4);
  });
  canvas.getContext('2d')!.putImageData(data, 0, 0);
  return canvas;
}

/**
 * The confusion matrix: rows the true class, columns the predicted one, each cell its count,
 * shaded by its share of the row, as the report draws it.
 */
function showConfusion(matrix: number[][], model: string) {
  const t = table(
    ['true \\ predicted', ...CLASS_NAMES],
    matrix.map((row, i) => [CLASS_NAMES[i]!, ...row]),
    `${model}: confusion matrix on the test set (rows: true class; shade: share of the row)`,
  );
  t.classList.add('confusion');
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = t.tBodies[0]!.rows[i]!.cells;
    row.forEach((count, j) => {
      const share = total > 0 ? count / total : 0;
      const cell = cells[j + 1]!;
      cell.style.background = `rgba(49, 130, 189, ${share.toFixed(3)})`;
      if (share > 0.5) cell.style.color = 'white';
    });
  });
  $('confusion-matrix').replaceChildren(t);
}

/** The model's most confident mistakes: each image with its true class and the model's answer. */
function showMistakes(mistakes: (Mistake & { pixels: Uint8Array })[], model: string) {
  const fig = document.createElement('figure');
  const cap = document.createElement('figcaption');
  cap.textContent = `${model}: its ${mistakes.length} most confident mistakes (true class, then the model's answer and its probability)`;
  const row = document.createElement('div');
  row.className = 'thumbs';
  for (const m of mistakes) {
    const caption = `#${m.index} ${CLASS_NAMES[m.label]} → ${CLASS_NAMES[m.predicted]} ${m.probability.toFixed(2)}`;
    const item = document.createElement('div');
    const label = document.createElement('span');
    label.textContent = caption;
    item.append(imageCanvas(m.pixels, caption), label);
    row.append(item);
  }
  fig.append(cap, row);
  $('mistakes').replaceChildren(fig);
}

/**
 * The trained model as downloads, one link per file: saved side by side (as a browser does in
 * its downloads folder), they are a folder `fmnist predict --model` and `tf.loadLayersModel` read.
 */
function showDownloads(files: ModelFile[], model: string, accuracy: number) {
  const box = $('download-model');
  for (const a of box.querySelectorAll('a')) URL.revokeObjectURL(a.href);
  const text = document.createElement('p');
  const command = document.createElement('code');
  command.textContent = 'fmnist predict --model <folder>';
  text.append(
    `Download ${model} (test accuracy ${accuracy.toFixed(4)}) in TensorFlow.js's Layers format; saved into one folder, both files are a model that `,
    command,
    ' and tf.loadLayersModel read: ',
  );
  files.forEach((file, i) => {
    const link = document.createElement('a');
    const type = file.name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    link.href = URL.createObjectURL(new Blob([file.content as BlobPart], { type }));
    link.download = file.name;
    link.textContent = file.name;
    text.append(...(i > 0 ? [' and '] : []), link);
  });
  box.replaceChildren(text);
}

function showPart1(view: Part1View) {
  const box = $('comparison');
  const images = view.disagreements.map((d) => {
    const fig = document.createElement('figure');
    const cap = document.createElement('figcaption');
    cap.textContent = `${d.title}: ${d.count.toLocaleString('en-US')} test images; the first ${d.images.length}`;
    fig.append(cap);
    const row = document.createElement('div');
    row.className = 'thumbs';
    for (const img of d.images) {
      const canvas = imageCanvas(img.pixels, img.caption);
      const item = document.createElement('div');
      const label = document.createElement('span');
      label.textContent = img.caption;
      item.append(canvas, label);
      row.append(item);
    }
    fig.append(row);
    return fig;
  });
  const notes = document.createElement('ul');
  for (const o of view.observations)
    notes.append(Object.assign(document.createElement('li'), { textContent: o }));
  box.replaceChildren(
    Object.assign(document.createElement('h3'), {
      textContent: 'Part 1: which half carries the information',
    }),
    table(
      ['class', 'F1 top', 'F1 bottom', 'top − bottom'],
      view.perClass.map((r) => [r.class, ...[r.top, r.bottom, r.top - r.bottom].map(formatNumber)]),
      'Per class, on the test set',
    ),
    notes,
    ...images,
  );
}

function showPart2(view: Part2View) {
  const notes = document.createElement('ul');
  for (const o of view.observations)
    notes.append(Object.assign(document.createElement('li'), { textContent: o }));
  $('comparison').replaceChildren(
    Object.assign(document.createElement('h3'), {
      textContent: 'Part 2: the regularised models compared',
    }),
    table(
      [
        'model',
        'test accuracy',
        'macro F1',
        'best epoch',
        'epochs run',
        'loss gap',
        'accuracy gap',
        'parameters',
        'time',
      ],
      view.rows.map((r) => [
        r.name,
        formatNumber(r.testAccuracy),
        formatNumber(r.macroF1),
        r.bestEpoch,
        r.epochsRun,
        formatNumber(r.lossGap, 3),
        formatNumber(r.accuracyGap, 3),
        r.params.toLocaleString('en-US'),
        formatSeconds(r.seconds),
      ]),
      'Gaps at the final epoch: validation minus training loss, training minus validation accuracy',
    ),
    notes,
  );
}

function showCrosscheck(r: CrosscheckResult) {
  const el = $('crosscheck-result');
  el.textContent = crosscheckLine(r);
  el.dataset.passed = String(r.ok);
  $('crosscheck-table').replaceChildren(
    table(
      ['layer', 'compared', 'max |diff|', 'max relative', 'within tolerance'],
      r.rows.map((x) => [
        x.layer,
        x.what,
        x.maxAbs.toExponential(2),
        x.maxRel.toExponential(2),
        x.ok ? 'yes' : 'NO',
      ]),
      `The custom engine against TensorFlow.js (${r.tfBackend}) on ${r.model}'s trained weights`,
    ),
  );
  crosscheckButton.disabled = false;
}

/** idle (nothing or a finished run), running, or paused between two batches. */
let runState: 'idle' | 'running' | 'paused' = 'idle';
function setState(state: 'idle' | 'running' | 'paused') {
  runState = state;
  // A step between the batches of a run would not be the run's: Step waits for its end.
  stepButton.disabled = state !== 'idle';
  trainButton.disabled = state === 'running';
  stopButton.disabled = state !== 'running';
  resumeButton.disabled = state !== 'paused';
  if (state !== 'idle') {
    checkButton.disabled = true;
    crosscheckButton.disabled = true;
  }
  for (const el of form.querySelectorAll('input, select'))
    (el as HTMLInputElement).disabled = state === 'running';
}

/** The run ended; a finished run keeps its worker, which holds the model for the checks. */
function finish(note: string, keepWorker = false) {
  if (!keepWorker) {
    worker?.terminate();
    worker = null;
  }
  setState('idle');
  checkButton.disabled = !keepWorker;
  crosscheckButton.disabled = !keepWorker;
  $('progress').textContent = note;
}

function onMessage(data: FromWorker) {
  switch (data.type) {
    case 'status':
      $('progress').textContent = data.text;
      break;
    case 'backend':
      $('backend').textContent = data.label;
      $('backend').dataset.name = data.backend;
      $('backend-detail').textContent = data.detail;
      showMeasurements(data.measurements);
      break;
    case 'event': {
      const event = data.event;
      if (event.type === 'model-begin') {
        const job = labJobs({
          run: currentRun,
          ...(currentExperiment ? { experiment: currentExperiment } : {}),
        }).find((j) => j.name === event.name);
        if (job) showNetwork(job.spec, job.name);
        curves = emptyCurves();
        $('current-model').textContent = event.name;
        $('epoch-time').textContent = '–';
      }
      addEvent(curves, event);
      if (event.type === 'batch' || event.type === 'epoch-end') {
        $('progress').textContent = progressLine(event.progress);
      }
      if (event.type === 'epoch-end') {
        $('epoch-time').textContent = curves.epochSeconds.map(formatSeconds).join(', ');
      }
      redraw();
      break;
    }
    case 'weights':
      drawWeights(data.snapshot, data.epoch, data.step);
      break;
    case 'layers':
      onLayers(data.layers);
      break;
    case 'paused':
      setState('paused');
      $('progress').textContent =
        `paused: ${$('progress').textContent} (Resume carries on from here)`;
      break;
    case 'resumed':
      setState('running');
      break;
    case 'model-done': {
      const { model } = data;
      const of = data.of > 1 ? ` (model ${data.index} of ${data.of})` : '';
      $('accuracy').textContent =
        `${model.name}${of}: test accuracy ${data.accuracy.toFixed(4)} after ${model.epochsRun} epoch(s), best epoch ${model.bestEpoch}, on ${model.backend}.`;
      $('accuracy').dataset.value = String(data.accuracy);
      $('accuracy').dataset.model = model.name;
      $('accuracy').dataset.initialWeights = model.initialWeightsSha256;
      $('report').textContent = data.report;
      showConfusion(data.confusionMatrix, model.name);
      showMistakes(data.mistakes, model.name);
      showDownloads(data.files, model.name, data.accuracy);
      break;
    }
    case 'part1':
      showPart1(data.view);
      break;
    case 'part2':
      showPart2(data.view);
      break;
    case 'done':
      $('accuracy').dataset.done = 'true';
      finish(`done in ${formatSeconds(data.seconds)}`, true);
      break;
    case 'crosscheck':
      showCrosscheck(data.result);
      break;
    case 'check': {
      const r = data.result;
      const passed = r.maxRelativeError < r.bound;
      const el = $('check-result');
      el.textContent =
        `${passed ? 'passed' : 'FAILED'}: ${r.checked} entries checked on a batch of ${r.batch}` +
        `${r.kinks ? ` (${r.kinks} at a ReLU kink, not held to the bound)` : ''}; largest relative error ` +
        `${r.maxRelativeError.toExponential(2)}, bound ${r.bound.toExponential(0)}.`;
      el.dataset.passed = String(passed);
      checkButton.disabled = false;
      break;
    }
    case 'step':
      showStep(data.view, data.weights);
      break;
    case 'error':
      message.textContent = `Training failed: ${data.message}`;
      finish('failed');
      break;
  }
}

function readRequest(forTraining = true): TrainRequest | string {
  const seed = parseWhole($<HTMLInputElement>('seed').value, 'The seed', 0, 2 ** 32 - 1);
  const limit = parseWhole($<HTMLInputElement>('limit').value, 'Training images', 1, 50_000);
  const own = modelSelect.value === 'experiment';
  // Your own model's epochs are its own (the editor's), as in an experiment file.
  const epochs = own
    ? { value: 1 }
    : parseWhole($<HTMLInputElement>('epochs').value, 'Epochs', 1, 100);
  for (const r of [seed, limit, epochs]) if ('error' in r) return r.error;
  if (own && !editor?.state.experiment) return editor?.state.error ?? 'Your model does not check.';
  const experiment = own ? editor!.state.experiment : undefined;
  const first = labJobs({
    run: modelSelect.value as Run,
    ...(experiment ? { experiment } : {}),
  })[0];
  const goOn = forTraining && trainFromStep.checked && stepped !== null;
  if (goOn && first?.name !== stepped!.model) {
    return `The last step was of ${stepped!.model}, not ${first?.name}: pick it again to train on from that step, or clear “Train goes on from here”.`;
  }
  return {
    run: modelSelect.value as Run,
    ...(own ? { experiment: editor!.state.experiment! } : {}),
    ...(goOn ? { startFrom: stepped!.weights } : {}),
    seed: (seed as { value: number }).value,
    limit: (limit as { value: number }).value,
    epochs: (epochs as { value: number }).value,
    backend: backendSelect.value as LabBackendChoice,
  };
}

/** The renderer a WebGL backend names (`SwiftShader Device (Subzero)`), else its first words. */
function shortDevice(device: string): string {
  // ANGLE (vendor, renderer, driver): the renderer.
  const renderer = /ANGLE \((.*)\)/.exec(device)?.[1]?.split(', ')[1];
  return renderer ?? (device.length > 60 ? `${device.slice(0, 57)}...` : device);
}

/** What each gpu.js mode measured here, and which was chosen. */
function showMeasurements(measurements: BackendMeasurement[]): void {
  const el = $('backend-measurements');
  if (measurements.length < 2 && !measurements.some((m) => m.stepMs !== undefined)) {
    el.replaceChildren();
    return;
  }
  const ms = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1));
  el.replaceChildren(
    table(
      ['mode', 'step, ms', 'first step, ms (compiles)', 'chosen', 'device'],
      measurements.map((m) => [
        m.label,
        ms(m.stepMs),
        ms(m.firstStepMs),
        m.chosen ? 'yes' : '',
        m.error
          ? `did not start: ${m.error}`
          : `${m.software ? 'software renderer: ' : ''}${shortDevice(m.device)}`,
      ]),
      'Each gpu.js mode that starts here, timed on a few training steps of this model (batch 32); the fastest step trains',
    ),
  );
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const request = readRequest();
  if (typeof request === 'string') {
    message.textContent = request;
    return;
  }
  message.textContent = '';
  curves = emptyCurves();
  $('report').textContent = '';
  $('comparison').replaceChildren();
  $('accuracy').textContent = 'Training…';
  delete $('accuracy').dataset.value;
  delete $('accuracy').dataset.done;
  $('epoch-time').textContent = '–';
  redraw();
  setState('running');
  startWorker();
  // A run that went on from a step has used it: the next starts from the seed again.
  if (request.startFrom) {
    stepped = null;
    trainFromStep.checked = false;
    trainFromStep.disabled = true;
  }
  currentRun = request.run;
  currentExperiment = request.experiment;
  worker!.postMessage({ type: 'train', request });
});

/** A fresh training worker (the last one, and the model it held, let go). */
function startWorker(): Worker {
  worker?.terminate();
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    message.textContent = `The training worker failed: ${e.message}`;
    finish('failed');
  };
  return worker;
}

// --- one step at a time ----------------------------------------------------------------------

stepButton.addEventListener('click', () => {
  const request = readRequest(false);
  if (typeof request === 'string') {
    message.textContent = request;
    return;
  }
  message.textContent = '';
  stepButton.disabled = true;
  $('step-summary').textContent = 'taking one step…';
  delete $('step-summary').dataset.step;
  const reference = $<HTMLInputElement>('step-reference').checked;
  (worker ?? startWorker()).postMessage({ type: 'step', request, reference });
});

/** Where the last step left its model: Train goes on from there when asked. */
let stepped: { model: string; weights: Float32Array[] } | null = null;
const trainFromStep = $<HTMLInputElement>('train-from-step');

function showStep(view: StepView, weights: Float32Array[]): void {
  stepped = { model: view.model, weights };
  trainFromStep.disabled = false;
  trainFromStep.checked = true;
  const from = view.from === 'trained' ? 'the trained weights' : 'its seeded initial weights';
  const tf =
    view.referenceOk === null
      ? 'TensorFlow.js not asked'
      : view.referenceOk
        ? 'TensorFlow.js took the same step, within the cross-check’s tolerances'
        : 'TensorFlow.js DIFFERS beyond the tolerances';
  const summary = $('step-summary');
  summary.textContent =
    `Step ${view.step} of ${view.model} from ${from}${view.step > 1 ? ' and the steps after' : ''}: ` +
    `loss ${view.loss.toFixed(4)}, ${view.correct} of ${view.batch} right before the update; ` +
    `finite-difference check ${view.gradientCheckOk ? 'passed' : 'FAILED'}; ${tf}.`;
  summary.dataset.step = String(view.step);
  summary.dataset.weights = view.weightsSha256;
  summary.dataset.passed = String(view.gradientCheckOk && view.referenceOk !== false);
  $('step-text').textContent = view.text;
  stepButton.disabled = runState !== 'idle';
}

checkButton.addEventListener('click', () => {
  if (!worker) return;
  checkButton.disabled = true;
  $('check-result').textContent = 'checking…';
  delete $('check-result').dataset.passed;
  worker.postMessage({ type: 'check' });
});

crosscheckButton.addEventListener('click', () => {
  if (!worker) return;
  crosscheckButton.disabled = true;
  $('crosscheck-result').textContent = 'loading TensorFlow.js and comparing…';
  delete $('crosscheck-result').dataset.passed;
  worker.postMessage({ type: 'crosscheck' });
});

// Stop pauses between two batches (the worker says when it has); Resume carries on.
stopButton.addEventListener('click', () => {
  stopButton.disabled = true;
  worker?.postMessage({ type: 'pause' });
});
resumeButton.addEventListener('click', () => {
  resumeButton.disabled = true;
  worker?.postMessage({ type: 'resume' });
});
