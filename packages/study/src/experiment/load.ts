/**
 * Reading an experiment file: JSON syntax, the schema (schema.ts), then what a schema cannot
 * say, each refused with one line that names the file, the place in it and what is allowed
 * (ExperimentFileError). What comes back is the experiment with its defaults filled in and a
 * leading Flatten in every model: what `fmnist run` prints as `experiment` in its JSON.
 */
import { type CropWindow, cropInputShape, type ImageCrop, type NamedCrop } from '@fmnist/data';
import type { LayerSpec, OptimizerSpec } from '@fmnist/nn';
import { type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { z } from 'zod';
import { experimentSchema } from './schema.js';

/** One model of an experiment, every field filled. */
export interface ExperimentModel {
  name: string;
  crop: ImageCrop;
  /** The engine's layer specs; the first is always Flatten. */
  layers: LayerSpec[];
  optimizer: OptimizerSpec;
  epochs: number;
  batchSize: number;
  earlyStopping?: { patience: number };
  sameInitialWeightsAs?: string;
}

export interface ExperimentComparison {
  title?: string;
  models: string[];
}

/** An experiment as validated, with defaults filled. */
export interface Experiment {
  name: string;
  title?: string;
  description?: string;
  seed?: number;
  models: ExperimentModel[];
  /** As written; none written means none (each model is reported alone and in one table). */
  comparisons: ExperimentComparison[];
}

/** The defaults a model gets when neither it nor the file's `defaults` says. */
export const MODEL_DEFAULTS = { batchSize: 32 } as const;

/** A file that cannot be run; `message` is the one line the CLI prints. */
export class ExperimentFileError extends Error {
  override readonly name = 'ExperimentFileError';
  constructor(
    readonly file: string,
    /** JSON path such as `models[1].layers[2].rate`, or '' for the file as a whole. */
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${file}: ${where ? `${where}: ` : ''}${problem}`);
  }
}

/** `models[1].layers[2].rate` from zod's path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Line and column (1-based) of a character offset in a text. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * JSON.parse, except that a syntax error says where (jsonc-parser, VS Code's own parser, finds
 * the offset; Node's JSON.parse often does not give one).
 */
function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const errors: ParseError[] = [];
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
    const first = errors[0];
    const where = lineAndColumn(text, first ? first.offset : text.length);
    const what = first
      ? (SYNTAX[printParseErrorCode(first.error)] ?? printParseErrorCode(first.error))
      : 'the text ends too early';
    throw new ExperimentFileError(
      file,
      '',
      `not valid JSON at line ${where.line}, column ${where.column}: ${what}`,
    );
  }
}

/** jsonc-parser's error codes in words. */
const SYNTAX: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'not a number',
  PropertyNameExpected: 'a property name in double quotes was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: "a ':' was expected",
  CommaExpected: "a ',' was expected",
  CloseBraceExpected: "a '}' was expected",
  CloseBracketExpected: "a ']' was expected",
  EndOfFileExpected: 'the text goes on after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number ends too early',
  InvalidUnicode: 'a \\u escape is not valid',
  InvalidEscapeCharacter: 'an escape is not valid',
  InvalidCharacter: 'a control character in a string',
};

/** One line for zod's first issue, in the words of the file. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `'${k}'`).join(', ');
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}; see experiments/experiment.schema.json for the fields allowed here`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return 'is required';
  }
  return issue.message;
}

/** The allowed fields of the place an unknown field sits (for the message). */
const ALLOWED: Record<string, string> = {
  '': 'name, title, description, seed, defaults, models, comparisons',
  model: 'name, crop, layers, optimizer, epochs, batchSize, earlyStopping, sameInitialWeightsAs',
  defaults: 'crop, layers, optimizer, epochs, batchSize, earlyStopping',
};

function allowedAt(path: readonly PropertyKey[]): string | undefined {
  if (path.length === 0) return ALLOWED[''];
  if (path.length === 1 && path[0] === 'defaults') return ALLOWED.defaults;
  if (path.length === 2 && path[0] === 'models') return ALLOWED.model;
  return undefined;
}

/**
 * Parses and checks an experiment file's text. Throws ExperimentFileError for the first thing
 * wrong, before anything is loaded or trained.
 */
export function parseExperiment(text: string, file: string): Experiment {
  const raw = parseJson(text, file);
  const parsed = experimentSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    let problem = describeIssue(issue);
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedAt(issue.path);
      if (allowed) {
        problem = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}; allowed: ${allowed}`;
      }
    }
    throw new ExperimentFileError(file, jsonPath(issue.path), problem);
  }
  const input = parsed.data;
  const fail = (where: string, problem: string): never => {
    throw new ExperimentFileError(file, where, problem);
  };

  const seen = new Map<string, number>();
  const models: ExperimentModel[] = input.models.map((m, i) => {
    const at = `models[${i}]`;
    const earlier = seen.get(m.name);
    if (earlier !== undefined) {
      fail(
        `${at}.name`,
        `'${m.name}' is already the name of models[${earlier}]; names must be unique`,
      );
    }
    seen.set(m.name, i);
    const field = <K extends keyof typeof m & keyof NonNullable<typeof input.defaults>>(key: K) =>
      m[key] ?? input.defaults?.[key];
    const required = <T>(key: string, value: T | undefined): T =>
      value ?? fail(`${at}.${key}`, `is required ('${m.name}' has none and defaults gives none)`);
    const crop = required('crop', field('crop')) as NamedCrop | CropWindow;
    const given = required('layers', field('layers')) as LayerSpec[];
    const layers = checkLayers(given, m.layers ? `${at}.layers` : 'defaults.layers', fail);
    const earlyStopping = field('earlyStopping');
    return {
      name: m.name,
      crop,
      layers,
      optimizer: required('optimizer', field('optimizer')) as OptimizerSpec,
      epochs: required('epochs', field('epochs')),
      batchSize: field('batchSize') ?? MODEL_DEFAULTS.batchSize,
      ...(earlyStopping ? { earlyStopping } : {}),
      ...(m.sameInitialWeightsAs !== undefined
        ? { sameInitialWeightsAs: m.sameInitialWeightsAs }
        : {}),
    };
  });

  models.forEach((m, i) => {
    const owner = m.sameInitialWeightsAs;
    if (owner === undefined) return;
    const where = `models[${i}].sameInitialWeightsAs`;
    const j = seen.get(owner);
    if (j === undefined)
      fail(where, `names no model of this file: '${owner}'; models: ${names(models)}`);
    if (j === i) fail(where, `'${m.name}' names itself; name another model`);
    const o = models[j!]!;
    const mine = architecture(m);
    const theirs = architecture(o);
    if (mine !== theirs) {
      fail(
        where,
        `'${m.name}' (${mine}) and '${owner}' (${theirs}) differ in architecture, so they cannot start from the same weights`,
      );
    }
  });

  const comparisons = (input.comparisons ?? []).map((c, i) => {
    c.models.forEach((name, k) => {
      if (!seen.has(name)) {
        fail(
          `comparisons[${i}].models[${k}]`,
          `names no model of this file: '${name}'; models: ${names(models)}`,
        );
      }
      if (c.models.indexOf(name) !== k) {
        fail(`comparisons[${i}].models[${k}]`, `'${name}' is listed twice`);
      }
    });
    return { ...(c.title !== undefined ? { title: c.title } : {}), models: [...c.models] };
  });

  return {
    name: input.name,
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    models,
    comparisons,
  };
}

function names(models: readonly ExperimentModel[]): string {
  return models.map((m) => m.name).join(', ');
}

/** Input shape and layers: what must match for two models to share initial weights. */
function architecture(model: ExperimentModel): string {
  const [rows, cols] = cropInputShape(model.crop);
  const layers = model.layers
    .filter((l) => l.type !== 'flatten')
    .map((l) =>
      l.type === 'dense'
        ? `Dense(${l.units}${l.useBias === false ? ', no bias' : ''})`
        : l.type === 'dropout'
          ? 'Dropout'
          : 'BatchNormalization',
    )
    .join(' -> ');
  return `${rows}x${cols} -> ${layers}`;
}

/** A leading Flatten added when left out; Flatten elsewhere and a wrong output refused. */
function checkLayers(
  layers: readonly LayerSpec[],
  at: string,
  fail: (where: string, problem: string) => never,
): LayerSpec[] {
  const out: LayerSpec[] =
    layers[0]?.type === 'flatten' ? [...layers] : [{ type: 'flatten' }, ...layers];
  const offset = out.length - layers.length;
  out.forEach((layer, i) => {
    if (layer.type === 'flatten' && i > 0) {
      fail(
        `${at}[${i - offset}]`,
        'flatten may only be the first layer (the images are flattened once, on the way in)',
      );
    }
  });
  const last = out[out.length - 1]!;
  if (
    out.length === 1 ||
    last.type !== 'dense' ||
    last.units !== 10 ||
    last.activation !== 'softmax'
  ) {
    fail(
      `${at}[${layers.length - 1}]`,
      'the last layer must be { "type": "dense", "units": 10, "activation": "softmax" }: one probability per class, for the cross-entropy',
    );
  }
  return out;
}
