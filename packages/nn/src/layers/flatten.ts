/**
 * Flatten: (batch, d1, d2, ...) -> (batch, d1·d2·...).
 *
 *   forward:  y = x                (row-major data is already flat; only the shape changes)
 *   backward: dx = dy
 *
 * Nothing is copied in either direction: the next layer reads the caller's buffer directly.
 */
import type { FloatArray } from '@fmnist/core';
import { Layer } from './layer.js';

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
