/**
 * The lab page: a form for one training run, live curves (uPlot), the classification report
 * at the end. Training runs in a Web Worker (worker.ts) so the page stays responsive; Stop
 * terminates it.
 */
import { MODEL_NAMES, type ModelName, stats } from '@fmnist/study/training';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './main.css';
import {
  BATCH_NORMALIZATION_FORMULA,
  DENSE_FORMULA,
  DROPOUT_FORMULA,
  LOSS_FORMULA,
  OPTIMIZER_FORMULA,
} from '@fmnist/nn';
import type { FromWorker, TrainRequest } from './protocol.js';
import {
  addEvent,
  bestEpoch,
  type Curves,
  emptyCurves,
  formatSeconds,
  parseWhole,
  progressLine,
} from './state.js';
import { statsLine, unitImage, type WeightsSnapshot } from './weights-view.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('controls');
const modelSelect = $<HTMLSelectElement>('model');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const checkButton = $<HTMLButtonElement>('check');
const message = $<HTMLParagraphElement>('message');

for (const name of MODEL_NAMES) {
  const option = document.createElement('option');
  option.value = name;
  option.textContent = name;
  modelSelect.append(option);
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

const FORMULAS: Record<string, string> = {
  dense: DENSE_FORMULA,
  'batch-normalization': BATCH_NORMALIZATION_FORMULA,
  dropout: DROPOUT_FORMULA,
  loss: LOSS_FORMULA,
  optimizer: OPTIMIZER_FORMULA,
};
const formulaSelect = $<HTMLSelectElement>('formula');
const showFormula = () => {
  $('formula-text').textContent = FORMULAS[formulaSelect.value] ?? '';
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

let worker: Worker | null = null;

function setRunning(running: boolean) {
  trainButton.disabled = running;
  checkButton.disabled = true;
  stopButton.disabled = !running;
  for (const el of form.querySelectorAll('input, select'))
    (el as HTMLInputElement).disabled = running;
}

/** The run ended; a finished run keeps its worker, which holds the model for the check. */
function finish(note: string, keepWorker = false) {
  if (!keepWorker) {
    worker?.terminate();
    worker = null;
  }
  setRunning(false);
  checkButton.disabled = !keepWorker;
  $('progress').textContent = note;
}

function onMessage(data: FromWorker) {
  switch (data.type) {
    case 'status':
      $('progress').textContent = data.text;
      break;
    case 'backend':
      $('backend').textContent = data.backend;
      $('backend').title = data.detail;
      break;
    case 'event': {
      addEvent(curves, data.event);
      const event = data.event;
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
    case 'done': {
      const { model } = data;
      $('accuracy').textContent =
        `${model.name}: test accuracy ${data.accuracy.toFixed(4)} after ${model.epochsRun} epoch(s), best epoch ${model.bestEpoch}, on ${model.backend}.`;
      $('accuracy').dataset.value = String(data.accuracy);
      $('report').textContent = data.report;
      finish(`done in ${formatSeconds(model.seconds)}`, true);
      break;
    }
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
    case 'error':
      message.textContent = `Training failed: ${data.message}`;
      finish('failed');
      break;
  }
}

function readRequest(): TrainRequest | string {
  const seed = parseWhole($<HTMLInputElement>('seed').value, 'The seed', 0, 2 ** 32 - 1);
  const limit = parseWhole($<HTMLInputElement>('limit').value, 'Training images', 1, 50_000);
  const epochs = parseWhole($<HTMLInputElement>('epochs').value, 'Epochs', 1, 100);
  for (const r of [seed, limit, epochs]) if ('error' in r) return r.error;
  return {
    model: modelSelect.value as ModelName,
    seed: (seed as { value: number }).value,
    limit: (limit as { value: number }).value,
    epochs: (epochs as { value: number }).value,
  };
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
  $('accuracy').textContent = 'Training…';
  delete $('accuracy').dataset.value;
  $('epoch-time').textContent = '–';
  redraw();
  setRunning(true);
  worker?.terminate();
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    message.textContent = `The training worker failed: ${e.message}`;
    finish('failed');
  };
  worker.postMessage({ type: 'train', request });
});

checkButton.addEventListener('click', () => {
  if (!worker) return;
  checkButton.disabled = true;
  $('check-result').textContent = 'checking…';
  delete $('check-result').dataset.passed;
  worker.postMessage({ type: 'check' });
});

stopButton.addEventListener('click', () => finish('stopped (start again with Train)'));
