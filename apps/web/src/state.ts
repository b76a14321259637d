/**
 * The page's own logic, kept free of the DOM so vitest can test it: the curves a run draws
 * (per batch and per epoch), the best epoch as the report marks it, and the numbers as the
 * page writes them.
 */
import { JsBackend } from '@fmnist/core';
import {
  LAYER_TYPES,
  LOSS_FORMULA,
  layerTypeOfKerasClass,
  type ModelSpec,
  OPTIMIZER_FORMULA,
  Sequential,
} from '@fmnist/nn';
import { type Experiment, experimentJobs } from '@fmnist/study/experiment';
import {
  type EpochLogs,
  MODEL_NAMES,
  type ModelJob,
  type Part,
  planJobs,
  type TrainingEvent,
} from '@fmnist/study/training';
import type { Run } from './protocol.js';

export interface Curves {
  /** Batch curves: x is the epoch as a fraction (1.5 = half-way through epoch 2). */
  batchX: number[];
  batchLoss: number[];
  batchAccuracy: number[];
  /** Epoch curves, x = 1, 2, ... */
  epochX: number[];
  epochs: EpochLogs[];
  epochSeconds: number[];
}

export function emptyCurves(): Curves {
  return { batchX: [], batchLoss: [], batchAccuracy: [], epochX: [], epochs: [], epochSeconds: [] };
}

/** Adds one training event to the curves (the running loss and accuracy fit reports). */
export function addEvent(curves: Curves, event: TrainingEvent): void {
  if (event.type === 'batch') {
    const { epoch, step, steps, logs } = event.progress;
    if (logs.loss === undefined || logs.accuracy === undefined) return;
    curves.batchX.push(epoch + step / steps);
    curves.batchLoss.push(logs.loss);
    curves.batchAccuracy.push(logs.accuracy);
  } else if (event.type === 'epoch-end') {
    const { epoch, logs, elapsedSeconds } = event.progress;
    const { loss, accuracy, val_loss, val_accuracy } = logs;
    if ([loss, accuracy, val_loss, val_accuracy].some((v) => v === undefined)) return;
    curves.epochX.push(epoch + 1);
    curves.epochs.push({
      loss: loss!,
      accuracy: accuracy!,
      val_loss: val_loss!,
      val_accuracy: val_accuracy!,
    });
    curves.epochSeconds.push(elapsedSeconds);
  }
}

/** The 1-based epoch with the lowest validation loss (the first of equals), as the report has it. */
export function bestEpoch(epochs: readonly EpochLogs[]): number | null {
  let best: number | null = null;
  for (let i = 0; i < epochs.length; i++) {
    if (best === null || epochs[i]!.val_loss < epochs[best - 1]!.val_loss) best = i + 1;
  }
  return best;
}

/** `epoch 2/5 · step 31/63 · 1.23 s/epoch` style progress. */
export function progressLine(p: {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  elapsedSeconds: number;
}): string {
  return `epoch ${p.epoch + 1}/${p.epochs} · step ${p.step}/${p.steps} · ${formatSeconds(p.elapsedSeconds)} this epoch`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '–';
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
}

/** Reads the form's numbers: whole numbers in range, or a message saying what is wrong. */
export function parseWhole(
  text: string,
  what: string,
  min: number,
  max: number,
): { value: number } | { error: string } {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isInteger(value) || value < min || value > max) {
    return {
      error: `${what} must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}, not "${text}".`,
    };
  }
  return { value };
}

/** The runs the page offers, as the form lists them: each part whole, then each model. */
export const RUN_CHOICES: readonly { value: string; label: string }[] = [
  { value: 'part1', label: 'Part 1: top, then bottom' },
  { value: 'part2', label: 'Part 2: all four models' },
  ...MODEL_NAMES.map((m) => ({ value: m, label: m })),
  { value: 'experiment', label: 'your own model' },
];

/**
 * The formulas the page shows, as the select lists them: each registered layer type (by its
 * Keras class name, quoted from its module), then the loss and the optimizers.
 */
export const FORMULA_CHOICES: readonly { value: string; label: string; formula: string }[] = [
  ...LAYER_TYPES.map((t) => ({ value: t.kerasClass, label: t.kerasClass, formula: t.formula })),
  { value: 'loss', label: 'the loss', formula: LOSS_FORMULA },
  { value: 'optimizer', label: 'the optimizers', formula: OPTIMIZER_FORMULA },
];

/** Which formula explains a layer class (the select's values); Flatten's for an unknown one. */
export function formulaFor(className: string): string {
  return layerTypeOfKerasClass(className)?.kerasClass ?? 'Flatten';
}

/** A number for a table cell: fixed digits, or exponent form for tiny and huge ones. */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 10 ** -digits || Math.abs(x) >= 1e6)) return x.toExponential(2);
  return x.toFixed(digits);
}

/** The cross-check's one-line verdict, as the page prints it. */
export function crosscheckLine(r: {
  ok: boolean;
  tfBackend: string;
  batch: number;
  rows: { ok: boolean }[];
  loss: { difference: number };
  /** Backends passed over before the one that ran, each with its reason. */
  skipped?: string[];
}): string {
  const failed = r.rows.filter((x) => !x.ok).length;
  const skipped = r.skipped?.length ? ` Passed over: ${r.skipped.join('; ')}.` : '';
  return (
    `${r.ok ? 'within tolerance' : 'OUT OF TOLERANCE'}: TensorFlow.js on ${r.tfBackend}, a batch of ${r.batch}; ` +
    `${r.rows.length - failed} of ${r.rows.length} comparisons within tolerance, loss differs by ${r.loss.difference.toExponential(2)}.${skipped}`
  );
}

/** The form's fields that the page's address carries, so that a link opens the same setup. */
export const SETUP_FIELDS = ['model', 'seed', 'limit', 'epochs', 'backend'] as const;
export type Setup = Partial<Record<(typeof SETUP_FIELDS)[number], string>>;

/** The whole-number fields, with the form's own bounds (readRequest checks the same). */
const SETUP_NUMBERS = {
  seed: [0, 2 ** 32 - 1],
  limit: [1, 50_000],
  epochs: [1, 100],
} as const;

/**
 * The setup a page address asks for (`?model=base&seed=7&limit=2000&epochs=2&backend=auto`):
 * a field the form does not offer, or a number out of its range, is left out (the form keeps
 * its default), so a mangled link opens the page rather than an error.
 */
export function setupFromQuery(
  search: string,
  choices: { model: readonly string[]; backend: readonly string[] },
): Setup {
  const query = new URLSearchParams(search);
  const setup: Setup = {};
  for (const field of SETUP_FIELDS) {
    const value = query.get(field);
    if (value === null) continue;
    if (field === 'model' || field === 'backend') {
      if (choices[field].includes(value)) setup[field] = value;
      continue;
    }
    const [min, max] = SETUP_NUMBERS[field];
    if ('value' in parseWhole(value, field, min, max)) setup[field] = value.trim();
  }
  return setup;
}

/** The address's query for a setup, in the fields' order. */
export function queryFromSetup(setup: Setup): string {
  const query = new URLSearchParams();
  for (const field of SETUP_FIELDS) {
    const value = setup[field];
    if (value !== undefined) query.set(field, value);
  }
  return `?${query.toString()}`;
}

/** The jobs of a run, as `fmnist part1`, `part2` or `--model NAME` plans them. */
export function labJobs(request: {
  run: Run;
  epochs?: number;
  experiment?: Experiment;
}): ModelJob[] {
  const { run, epochs } = request;
  // An experiment's models carry their own epochs, as `fmnist run FILE` trains them.
  if (run === 'experiment') return request.experiment ? experimentJobs(request.experiment) : [];
  if (run === 'part1') return planJobs(['part1'], { epochs });
  const parts: Part[] = run === 'part2' ? ['part2'] : ['part1', 'part2'];
  return planJobs(parts, { epochs, ...(run === 'part2' ? {} : { model: run }) });
}

/** One layer of the network picture: a block with its name, what it is, its shape and size. */
export interface NetworkBlock {
  name: string;
  className: string;
  /** `128 units, relu`, `rate 0.5`, or empty. */
  detail: string;
  /** As Keras's summary writes it: `(None, 128)`. */
  outputShape: string;
  params: number;
}

/** The model a spec builds, layer by layer, as the page draws it (built on the js backend). */
export function networkBlocks(spec: ModelSpec): NetworkBlock[] {
  const model = new Sequential(spec, { backend: new JsBackend() });
  return model.layers.map((layer, i) => {
    const s = spec.layers[i]!;
    const detail =
      s.type === 'dense'
        ? `${s.units} units, ${s.activation ?? 'linear'}`
        : s.type === 'dropout'
          ? `rate ${s.rate}`
          : '';
    return {
      name: layer.name,
      className: layer.className,
      detail,
      outputShape: `(None, ${layer.outputShape.join(', ')})`,
      params: layer.countParams(),
    };
  });
}
