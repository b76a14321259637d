// The "real" batches of the cross-engine properties are what they say: Fashion-MNIST test
// images, cropped 14x28 as the study crops them, scaled to [0, 1], never silently noise.
import { crop, features } from '@fmnist/data';
import { describe, expect, it } from 'vitest';
import { loadRealImages, makeBatch } from './helpers.js';

describe('real batches', () => {
  it('are consecutive test images cropped to the top or bottom half, with their labels', async () => {
    const images = await loadRealImages();
    expect(images, 'the dataset is required here: CI installs dataset-fashion-mnist').toBeDefined();
    const spec = { name: 'x', inputShape: [14, 28], layers: [] };
    const halves = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const batch = await makeBatch(spec, { real: true, size: 5, seed });
      const match = /^real (top|bottom) @(\d+)$/.exec(batch.source);
      expect(match, batch.source).not.toBeNull();
      const [, half, start] = match!;
      halves.add(half!);
      const first = Number(start);
      const slice = {
        ...images!,
        count: 5,
        pixels: images!.pixels.subarray(first * 784, (first + 5) * 784),
        labels: images!.labels.subarray(first, first + 5),
      };
      const want = features(slice, half as 'top' | 'bottom');
      expect(batch.x.length).toBe(5 * 14 * 28);
      expect(Array.from(batch.x)).toEqual(Array.from(want.x));
      expect(Array.from(batch.y)).toEqual(Array.from(crop(slice, 'top').labels));
    }
    expect(halves).toEqual(new Set(['top', 'bottom']));
  });

  it('random batches say so', async () => {
    const batch = await makeBatch(
      { name: 'x', inputShape: [14, 28], layers: [] },
      { real: false, size: 3, seed: 1 },
    );
    expect(batch.source).toBe('random');
  });
});
