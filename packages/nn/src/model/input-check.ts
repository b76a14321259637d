/**
 * What a model checks of what it is given before it touches anything: inputs against its input
 * shape, labels against its classes, weights against its weights' shapes. Every refusal names
 * the model, the call, the layer or weight, and both shapes.
 */
import type { FloatArray } from '@fmnist/core';
import { InvalidArgumentError, ShapeMismatchError, WeightsMismatchError } from '../errors.js';
import type { Layer, Weight } from '../layers/layer.js';
import type { Labels } from '../losses.js';
import type { InputData } from '../train/engine.js';

/** A weight given to setWeights: flat, or with its shape to have that checked too. */
export type WeightInput = ArrayLike<number> | { shape: readonly number[]; data: ArrayLike<number> };

/** What the checks need to know of a model. */
export interface CheckedModel {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly inputSize: number;
  readonly classes: number;
  readonly layers: readonly Layer[];
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Checks x (and y) against the model's input shape; returns the flat data and sample count. */
export function checkInput(
  model: CheckedModel,
  x: InputData,
  y: Labels | undefined,
  what: string,
): { data: FloatArray; samples: number } {
  const inSize = model.inputSize;
  const first = model.layers[0]!;
  const where = `${model.name}: ${what}: layer '${first.name}' (${first.className}) input`;
  const expected = (n: number | string) => [n, ...model.inputShape] as number[];
  let data: FloatArray;
  let samples: number;
  if ('data' in x) {
    data = x.data;
    const [n, ...rest] = x.shape;
    if (n === undefined || !sameShape(rest, model.inputShape)) {
      throw new ShapeMismatchError(where, expected(n ?? 0), [...x.shape]);
    }
    samples = n;
    if (data.length !== n * inSize) {
      throw new ShapeMismatchError(
        where,
        [...x.shape],
        [data.length],
        'the data length disagrees with its shape',
      );
    }
  } else {
    data = x;
    samples = y ? y.length : data.length / inSize;
    if (data.length !== samples * inSize) {
      const actual =
        samples > 0 && Number.isInteger(data.length / samples)
          ? [samples, data.length / samples]
          : [data.length];
      throw new ShapeMismatchError(where, expected(samples), actual);
    }
  }
  if (y) checkLabels(model, y, samples, what);
  return { data, samples };
}

function checkLabels(model: CheckedModel, y: Labels, samples: number, what: string): void {
  if (y.length !== samples) {
    throw new ShapeMismatchError(
      `${model.name}: ${what}: labels`,
      [samples],
      [y.length],
      'pass one label per sample',
    );
  }
  for (let i = 0; i < y.length; i++) {
    const label = y[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label < model.classes)) {
      throw new InvalidArgumentError(
        `${model.name}: ${what}: label ${label} at index ${i} is not a class in [0, ${model.classes - 1}]; ` +
          'pass integer class labels.',
      );
    }
  }
}

/**
 * Checks every weight given to setWeights against the model's, before anything changes (a bad
 * call leaves the model as it was); returns the values in Keras order.
 */
export function checkWeights(
  modelName: string,
  all: readonly Weight[],
  weights: readonly WeightInput[],
): ArrayLike<number>[] {
  if (weights.length !== all.length) {
    throw new WeightsMismatchError(
      `Model '${modelName}' has ${all.length} weight arrays (${all.map((w) => w.name).join(', ')}) ` +
        `but setWeights got ${weights.length}; pass them all, in that order.`,
    );
  }
  return weights.map((input, i) => {
    const w = all[i]!;
    const hasShape = typeof input === 'object' && input !== null && 'shape' in input;
    const values: ArrayLike<number> = hasShape
      ? (input as { data: ArrayLike<number> }).data
      : (input as ArrayLike<number>);
    const shape = hasShape ? (input as { shape: readonly number[] }).shape : [values.length];
    const count = shape.reduce((a, b) => a * b, 1);
    const shapeOk = hasShape ? sameShape(shape, w.shape) : values.length === w.value.length;
    if (!shapeOk || count !== values.length) {
      throw new WeightsMismatchError(
        `setWeights: weight ${i} '${w.name}' has shape [${w.shape.join(', ')}] ` +
          `(${w.value.length} values) but got shape [${shape.join(', ')}] ` +
          `(${values.length} values); pass the arrays getWeights() returns, in its order.`,
      );
    }
    return values;
  });
}
