import type { Rng } from '@fmnist/core';
import { Dropout, type DropoutMasks, drawDropoutMasks, type Sequential } from '@fmnist/nn';

/**
 * Draws one keep mask per dropout layer of `custom` for a batch of `batch` rows with nn's one
 * mask maker, pins them in the custom engine (Dropout.setFixedMask) and returns them for the
 * reference, so both engines drop the very same units. Layers with rate 0 get no mask: both
 * engines pass their input through untouched.
 */
export function shareDropoutMasks(custom: Sequential, batch: number, rng: Rng): DropoutMasks {
  const layers = custom.layers.filter((l): l is Dropout => l instanceof Dropout);
  const masks = drawDropoutMasks(
    layers.map((l) => ({ name: l.name, units: l.inputSize, rate: l.rate })),
    batch,
    rng,
  );
  for (const layer of layers) if (masks[layer.name]) layer.setFixedMask(masks[layer.name]!);
  return masks;
}

/** Back to the custom engine's own random masks. */
export function releaseDropoutMasks(custom: Sequential): void {
  for (const layer of custom.layers) if (layer instanceof Dropout) layer.setFixedMask(null);
}
