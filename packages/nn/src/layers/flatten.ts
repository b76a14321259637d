import type { FloatArray } from '@fmnist/core';
import type { FlattenSpec } from '../spec.js';
import { Layer } from './layer.js';
import type { LayerType } from './layer-type.js';

/**
 * The maths of this module, at the top of its file (docs/architecture.md); `fmnist explain` quotes it
 * word for word.
 */
export const FLATTEN_FORMULA = `
Flatten: (batch, d1, d2, ...) -> (batch, d1·d2·...).

  forward:  y = x                (row-major data is already flat; only the shape changes)
  backward: dx = dy

Nothing is copied in either direction: the next layer reads the caller's buffer directly.
`.slice(1, -1);

export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(name: string, inputShape: readonly number[]) {
    super(name, inputShape, [inputShape.reduce((a, b) => a * b, 1)]);
  }

  protected allocateBuffers(): void {}

  forward(x: FloatArray): FloatArray {
    return x;
  }

  backward(dy: FloatArray, _batch: number, needInputGrad: boolean): FloatArray | null {
    return needInputGrad ? dy : null;
  }
}

export const flattenType: LayerType<FlattenSpec> = {
  type: 'flatten',
  kerasClass: 'Flatten',
  baseName: 'flatten',
  file: 'layers/flatten.ts',
  formula: FLATTEN_FORMULA,
  loads: 'Flatten',
  build: (_spec, name, inputShape) => new Flatten(name, inputShape),
  weightNames: () => [],
  sizes: (_spec, inputSize) => ({ weights: 0, outputSize: inputSize }),
  toConfig: (_spec, name) => ({ name, trainable: true }),
  example: { type: 'flatten' },
  fromConfig: () => ({ type: 'flatten' }),
};
