// A model's most confident mistakes: only wrong answers, most confident first, ties by index.
import { describe, expect, it } from 'vitest';
import { MISTAKES_SHOWN, mostConfidentMistakes } from '../src/results.js';

describe('mostConfidentMistakes', () => {
  it('keeps only wrong predictions, the most confident first, the lower index first on a tie', () => {
    const labels = [0, 1, 2, 3, 4, 5];
    const predictions = [0, 2, 2, 1, 1, 0];
    const confidence = [0.99, 0.6, 0.95, 0.9, 0.6, 0.3];
    expect(mostConfidentMistakes(predictions, confidence, labels)).toEqual([
      { index: 3, label: 3, predicted: 1, probability: 0.9 },
      { index: 1, label: 1, predicted: 2, probability: 0.6 },
      { index: 4, label: 4, predicted: 1, probability: 0.6 },
      { index: 5, label: 5, predicted: 0, probability: 0.3 },
    ]);
  });

  it(`keeps at most ${MISTAKES_SHOWN}, and none for a model that is always right`, () => {
    const labels = Array.from({ length: 100 }, (_, i) => i % 10);
    const wrong = labels.map((l) => (l + 1) % 10);
    const confidence = labels.map((_, i) => i / 100);
    const kept = mostConfidentMistakes(wrong, confidence, labels);
    expect(kept).toHaveLength(MISTAKES_SHOWN);
    expect(kept[0]!.index).toBe(99);
    expect(mostConfidentMistakes(labels, confidence, labels)).toEqual([]);
  });
});
