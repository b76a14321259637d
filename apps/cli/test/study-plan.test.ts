// The small helpers of the training commands.
import { describe, expect, it } from 'vitest';
import { formatElapsed } from '../src/study/progress.js';

describe('helpers', () => {
  it('formatElapsed', () => {
    expect(formatElapsed(12.34)).toBe('12.3s');
    expect(formatElapsed(83.4)).toBe('1m 23s');
    expect(formatElapsed(3725)).toBe('1h 2m 5s');
  });
});
