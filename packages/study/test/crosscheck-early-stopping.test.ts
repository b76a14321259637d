import { describe, expect, it } from 'vitest';
import { earlyStoppingOutcome } from '../src/crosscheck.js';

describe("the cross-check's early-stopping outcome (nn's EarlyStopping on one engine's losses)", () => {
  it('restores the best epoch and stops after `patience` epochs without improvement', () => {
    expect(earlyStoppingOutcome([1, 0.8, 0.9, 0.85, 0.95, 0.7], 3)).toEqual({
      bestEpoch: 2,
      epochsRun: 5,
    });
    expect(earlyStoppingOutcome([1, 0.9, 0.8], 3)).toEqual({ bestEpoch: 3, epochsRun: 3 });
  });
});
