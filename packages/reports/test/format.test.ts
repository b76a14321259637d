import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFixed, formatSeconds, formatSigned, numpySum } from '../src/format.js';

describe('formatFixed (Python format(x, ".Nf"))', () => {
  it('rounds exact ties to even, as Python does and toFixed does not', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect((0.125).toFixed(2)).toBe('0.13');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(0.625, 2)).toBe('0.62');
    expect(formatFixed(0.875, 2)).toBe('0.88');
    expect(formatFixed(0.5, 0)).toBe('0');
    expect(formatFixed(1.5, 0)).toBe('2');
    expect(formatFixed(2.5, 0)).toBe('2');
  });

  it('rounds values that only look like ties by their exact binary value', () => {
    expect(formatFixed(0.005, 2)).toBe('0.01'); // 0.005000000000000000104...
    expect(formatFixed(0.015, 2)).toBe('0.01'); // 0.01499999999999999944...
    expect(formatFixed(1.005, 2)).toBe('1.00');
    expect(formatFixed(2 / 3, 2)).toBe('0.67');
  });

  it('writes signs, zeros, non-finite values and large numbers as Python does', () => {
    expect(formatFixed(0, 2)).toBe('0.00');
    expect(formatFixed(-0, 2)).toBe('-0.00');
    expect(formatFixed(-0.004, 2)).toBe('-0.00');
    expect(formatFixed(-1.25, 1)).toBe('-1.2');
    expect(formatFixed(1, 0)).toBe('1');
    expect(formatFixed(Number.NaN, 2)).toBe('nan');
    expect(formatFixed(Number.POSITIVE_INFINITY, 2)).toBe('inf');
    expect(formatFixed(1e22, 1)).toBe('10000000000000000000000.0');
    expect(formatFixed(5e-324, 3)).toBe('0.000');
  });

  it('agrees with toFixed everywhere except exact ties', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.integer({ min: 0, max: 6 }),
        (x, d) => {
          if (Object.is(x, -0)) return; // Python keeps the sign of -0.0; toFixed drops it
          const ours = formatFixed(x, d);
          if (ours === x.toFixed(d)) return;
          // A disagreement is only allowed on an exact tie: the exact decimal expansion ends in a 5
          // right after the last digit shown.
          const exact = Math.abs(x).toFixed(Math.min(100, d + 40));
          const tail = exact.slice(exact.indexOf('.') + 1 + d);
          expect(tail).toMatch(/^50*$/);
        },
      ),
    );
  });
});

describe('numpySum', () => {
  it("matches np.sum's pairwise summation (computed with NumPy 2.4) where a plain loop does not", () => {
    // np.random.default_rng(1) values spanning 16 orders of magnitude; np.sum gives ...233,
    // a left-to-right loop ...232.
    const values = [
      0.09807371998012387, 0.09616571936637869, 72.47899407735336, 5412.268555474342,
      27689.120404537083, 1.6065200877512688e-6, 9.699254132161325, 5160.685855478787,
      1.1586561247077032e-5, 0.0006234897555375005, 77668.31143422979, 6.130033010530404,
      0.9172977047909027, 3.959287666420286, 0.5285892632600216, 4593358.828854037,
      623.495791498756,
    ];
    expect(numpySum(values)).toBe(4710006.619227233);
    expect(values.reduce((a, b) => a + b, 0)).toBe(4710006.619227232);
  });

  it('is the plain sum for fewer than eight values and 0 for none', () => {
    expect(numpySum([])).toBe(0);
    expect(numpySum([0.1, 0.2, 0.3])).toBe(0.1 + 0.2 + 0.3);
  });
});

describe('small formatters', () => {
  it('formats durations and signed differences', () => {
    expect(formatSeconds(0.25)).toBe('250 ms');
    expect(formatSeconds(12.34)).toBe('12.3 s');
    expect(formatSeconds(245)).toBe('4 min 05 s');
    expect(formatSeconds(119.7)).toBe('2 min 00 s');
    expect(formatSigned(0.0312, 3)).toBe('+0.031');
    expect(formatSigned(-0.0042, 3)).toBe('-0.004');
  });
});
