import type { Rng } from '@fmnist/core';
import { Dropout, type Sequential } from '@fmnist/nn';
import type { DropoutMasks } from './reference.js';

/**
 * Draws one keep mask (1 = keep, 0 = drop, P(drop) = rate) per dropout layer of `custom` for
 * a batch of `batch` rows, pins them in the custom engine (Dropout.setFixedMask) and returns
 * them for the reference, so both engines drop the very same units. Layers with rate 0 get no
 * mask: both engines pass their input through untouched.
 */
export function shareDropoutMasks(custom: Sequential, batch: number, rng: Rng): DropoutMasks {
  const masks: Record<string, Float32Array> = {};
  for (const layer of custom.layers) {
    if (!(layer instanceof Dropout) || layer.rate === 0) continue;
    const keep = new Float32Array(batch * layer.inputSize);
    // The same test as the custom engine's own draw: keep when u >= rate.
    for (let i = 0; i < keep.length; i++) keep[i] = rng.nextFloat() >= layer.rate ? 1 : 0;
    layer.setFixedMask(keep);
    masks[layer.name] = keep;
  }
  return masks;
}

/** Back to the custom engine's own random masks. */
export function releaseDropoutMasks(custom: Sequential): void {
  for (const layer of custom.layers) if (layer instanceof Dropout) layer.setFixedMask(null);
}
