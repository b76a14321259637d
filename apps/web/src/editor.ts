/**
 * The lab's experiment editor, without the DOM: what the page edits is an experiment file as a
 * user writes one (the layers without the leading Flatten, every model's fields written out),
 * checked by the very loader `fmnist run` uses, so the page says what is wrong in the same
 * words. It starts from one of the study's models, opens a file, and writes the setup back out
 * as a file that `fmnist run` trains to the same numbers on the same seed and images.
 */
import { describeCrop, type ImageCrop } from '@fmnist/data';
import type { LayerSpec, OptimizerSpec } from '@fmnist/nn';
import {
  type Experiment,
  ExperimentFileError,
  type ExperimentModel,
  parseExperiment,
} from '@fmnist/study/experiment';
import { type ModelName, STUDY_EXPERIMENT } from '@fmnist/study/training';

/** A model as the editor holds it: the file's fields, its layers without the leading Flatten. */
export type EditedModel = ExperimentModel;

export interface EditedExperiment {
  name: string;
  title?: string;
  description?: string;
  models: EditedModel[];
  comparisons: { title?: string; models: string[] }[];
}

/** How messages name the page's own experiment, as `fmnist run` names a file. */
export const EDITOR_FILE = 'the lab’s experiment';

/** The layer types the editor offers, with what a new one of each starts as. */
export const NEW_LAYERS: Record<'dense' | 'dropout' | 'batchNormalization', LayerSpec> = {
  dense: { type: 'dense', units: 64, activation: 'relu' },
  dropout: { type: 'dropout', rate: 0.2 },
  batchNormalization: { type: 'batchNormalization' },
};

/** What a new optimizer of each type starts as (Keras's defaults; SGD needs a rate). */
export const NEW_OPTIMIZERS: Record<OptimizerSpec['type'], OptimizerSpec> = {
  sgd: { type: 'sgd', learningRate: 0.01 },
  adam: { type: 'adam' },
  rmsprop: { type: 'rmsprop' },
};

function edited(experiment: Experiment): EditedExperiment {
  return {
    name: experiment.name,
    ...(experiment.title !== undefined ? { title: experiment.title } : {}),
    ...(experiment.description !== undefined ? { description: experiment.description } : {}),
    models: experiment.models.map((m) => ({
      ...structuredClone(m),
      layers: m.layers.filter((l) => l.type !== 'flatten').map((l) => structuredClone(l)),
    })),
    comparisons: structuredClone(experiment.comparisons),
  };
}

/** One of the study's models as an experiment of its own, to start editing from. */
export function fromStudyModel(name: ModelName): EditedExperiment {
  const model = STUDY_EXPERIMENT.models.find((m) => m.name === name)!;
  const { sameInitialWeightsAs: _owner, ...alone } = edited({
    name: 'x',
    models: [model],
    comparisons: [],
  }).models[0]!;
  return { name: `my-${name}`, models: [{ ...alone, name: `my-${name}` }], comparisons: [] };
}

/** The experiment as a file `fmnist run` reads, with the page's seed. */
export function experimentFile(experiment: EditedExperiment, seed?: number): object {
  return {
    name: experiment.name,
    ...(experiment.title !== undefined ? { title: experiment.title } : {}),
    ...(experiment.description !== undefined ? { description: experiment.description } : {}),
    ...(seed !== undefined ? { seed } : {}),
    models: experiment.models.map((m) => ({
      name: m.name,
      crop: m.crop,
      ...(m.sameInitialWeightsAs !== undefined
        ? { sameInitialWeightsAs: m.sameInitialWeightsAs }
        : {}),
      layers: m.layers,
      optimizer: m.optimizer,
      epochs: m.epochs,
      batchSize: m.batchSize,
      ...(m.earlyStopping ? { earlyStopping: m.earlyStopping } : {}),
    })),
    ...(experiment.comparisons.length > 0 ? { comparisons: experiment.comparisons } : {}),
  };
}

export function experimentFileText(experiment: EditedExperiment, seed?: number): string {
  return `${JSON.stringify(experimentFile(experiment, seed), null, 2)}\n`;
}

/** The experiment checked as `fmnist run` checks a file: the experiment, or its one line. */
export function checkExperiment(
  experiment: EditedExperiment,
  file = EDITOR_FILE,
): { experiment: Experiment } | { error: string } {
  return readExperimentText(JSON.stringify(experimentFile(experiment)), file);
}

/** A file's text, read and checked; the error is the line `fmnist run FILE` prints. */
export function readExperimentText(
  text: string,
  file: string,
): { experiment: Experiment } | { error: string } {
  try {
    return { experiment: parseExperiment(text, file) };
  } catch (error) {
    if (error instanceof ExperimentFileError) return { error: error.message };
    throw error;
  }
}

/** A checked experiment as the editor holds it. */
export function toEdited(experiment: Experiment): EditedExperiment {
  return edited(experiment);
}

/** A field typed into the editor: a number when it reads as one, else the text as typed. */
export function typedValue(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isNaN(n) ? t : n;
}

// --- layers: added, removed, moved, retyped --------------------------------------------------

export function addLayer(model: EditedModel, type: keyof typeof NEW_LAYERS, at: number): void {
  model.layers.splice(at, 0, structuredClone(NEW_LAYERS[type]));
}

export function removeLayer(model: EditedModel, at: number): void {
  model.layers.splice(at, 1);
}

/** Moves layer `at` one place up (−1) or down (+1); nothing at either end. */
export function moveLayer(model: EditedModel, at: number, by: -1 | 1): void {
  const to = at + by;
  if (to < 0 || to >= model.layers.length) return;
  const [layer] = model.layers.splice(at, 1);
  model.layers.splice(to, 0, layer!);
}

export function retypeLayer(model: EditedModel, at: number, type: keyof typeof NEW_LAYERS): void {
  model.layers[at] = structuredClone(NEW_LAYERS[type]);
}

/** Sets one field of a layer (or removes it, for an empty optional one). */
export function setLayerField(model: EditedModel, at: number, field: string, value: unknown): void {
  const layer = model.layers[at] as unknown as Record<string, unknown>;
  if (value === undefined) delete layer[field];
  else layer[field] = value;
}

/** One line per crop the editor offers, and the file's own window where it has one. */
export function cropChoices(current: ImageCrop): { value: string; label: string }[] {
  const named = (['top', 'bottom', 'left', 'right', 'full'] as const).map((c) => ({
    value: c,
    label: describeCrop(c),
  }));
  return typeof current === 'string'
    ? named
    : [...named, { value: 'window', label: describeCrop(current) }];
}

// --- the page address ------------------------------------------------------------------------

/** The experiment for the address bar: its file, as UTF-8 JSON in base64url. */
export function encodeExperiment(experiment: EditedExperiment): string {
  const bytes = new TextEncoder().encode(JSON.stringify(experimentFile(experiment)));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** An experiment from the address: undefined, with why, when it does not decode or check. */
export function decodeExperiment(
  param: string,
): { experiment: EditedExperiment } | { error: string } {
  let text: string;
  try {
    const binary = atob(param.replaceAll('-', '+').replaceAll('_', '/'));
    text = new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    return { error: 'the experiment in this link is damaged; the form keeps its defaults' };
  }
  const checked = readExperimentText(text, 'the experiment in this link');
  return 'error' in checked ? checked : { experiment: toEdited(checked.experiment) };
}
