/**
 * The first Dense layer's weights as pictures: unit u's incoming weights W[:, u] (one per
 * input pixel) laid out as the crop they look at (14x28 or 28x28), blue for negative, red for
 * positive, white for zero, each unit on its own symmetric scale. What a unit responds to
 * shows as it trains. Pure functions (the page draws the pixels): tested in vitest.
 */
import type { Stats } from '@fmnist/study/training';

export interface WeightsSnapshot {
  /** W of the first Dense layer, stored inputs × units, row-major (as nn keeps it). */
  kernel: Float32Array;
  inputs: number;
  units: number;
  /** The crop's image size, inputs = height × width. */
  height: number;
  width: number;
}

/** RGBA pixels of unit `unit`'s weights as a height × width image. */
export function unitImage(s: WeightsSnapshot, unit: number): Uint8ClampedArray {
  const { kernel, inputs, units } = s;
  let max = 0;
  for (let i = 0; i < inputs; i++) max = Math.max(max, Math.abs(kernel[i * units + unit]!));
  const rgba = new Uint8ClampedArray(inputs * 4);
  for (let i = 0; i < inputs; i++) {
    const v = max > 0 ? kernel[i * units + unit]! / max : 0;
    // white at 0, towards red (+1) or blue (−1)
    const fade = Math.round(255 * (1 - Math.abs(v)));
    rgba[i * 4] = v >= 0 ? 255 : fade;
    rgba[i * 4 + 1] = fade;
    rgba[i * 4 + 2] = v >= 0 ? fade : 255;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

export function statsLine(s: Stats): string {
  const f = (x: number) => x.toFixed(4);
  return `mean ${f(s.mean)} · std ${f(s.std)} · min ${f(s.min)} · max ${f(s.max)}`;
}
