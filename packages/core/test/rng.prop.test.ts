import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng.js';

const seeds = fc.integer({ min: 0, max: 2 ** 31 - 1 });

function draw(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextFloat());
}

describe('Rng', () => {
  it('same seed gives the same sequence, to the bit', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        expect(draw(new Rng(seed), 50)).toEqual(draw(new Rng(seed), 50));
      }),
    );
  });

  it('is pinned: seed 42 draws the same numbers in every release', () => {
    // Changing these means every recorded run stops being reproducible: do it on purpose only.
    const rng = new Rng(42);
    expect([rng.int(1000), rng.int(1000), rng.int(1000)]).toMatchInlineSnapshot(`
      [
        430,
        980,
        439,
      ]
    `);
  });

  it('different seeds give different sequences', () => {
    expect(draw(new Rng(1), 8)).not.toEqual(draw(new Rng(2), 8));
  });

  it('nextFloat is in [0, 1), uniform in [lo, hi), int in [0, n)', () => {
    fc.assert(
      fc.property(
        seeds,
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 32 }),
        (seed, lo, width, n) => {
          const rng = new Rng(seed);
          for (let i = 0; i < 20; i++) {
            const f = rng.nextFloat();
            expect(f >= 0 && f < 1).toBe(true);
            const u = rng.uniform(lo, lo + width);
            expect(u >= lo && u <= lo + width).toBe(true);
            const k = rng.int(n);
            expect(Number.isInteger(k) && k >= 0 && k < n).toBe(true);
          }
        },
      ),
    );
  });

  it('int covers every value of a small range', () => {
    const rng = new Rng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(rng.int(6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('shuffle is a permutation, reproducible by seed', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 0, max: 300 }), (seed, length) => {
        const a = Uint32Array.from({ length }, (_, i) => i);
        const b = a.slice();
        new Rng(seed).shuffle(a);
        new Rng(seed).shuffle(b);
        expect(a).toEqual(b);
        expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length }, (_, i) => i));
      }),
    );
  });

  it('shuffle works on Int32Array and number[] too', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    new Rng(3).shuffle(xs);
    expect([...xs].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const ys = Int32Array.from([5, -1, 9]);
    new Rng(3).shuffle(ys);
    expect(Array.from(ys).sort((x, y) => x - y)).toEqual([-1, 5, 9]);
  });

  it('fork depends on seed and label only, not on draws made before it', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 0, max: 1000 }), (seed, label) => {
        const fresh = new Rng(seed);
        const used = new Rng(seed);
        draw(used, 17);
        expect(draw(fresh.fork(label), 10)).toEqual(draw(used.fork(label), 10));
      }),
    );
  });

  it('forks are independent of each other and of their parent', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 0, max: 1000 }), (seed, label) => {
        const parent = new Rng(seed);
        const a = draw(parent.fork(label), 10);
        const b = draw(parent.fork(label + 1), 10);
        expect(a).not.toEqual(b);
        expect(a).not.toEqual(draw(new Rng(seed), 10));
        // Drawing from a fork leaves the parent untouched.
        const p1 = new Rng(seed);
        draw(p1.fork(label), 100);
        expect(draw(p1, 5)).toEqual(draw(new Rng(seed), 5));
      }),
    );
  });

  it('forked streams look uncorrelated (sample correlation near 0)', () => {
    const parent = new Rng(123);
    const a = draw(parent.fork(0), 20000);
    const b = draw(parent.fork(1), 20000);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const ma = mean(a);
    const mb = mean(b);
    let cov = 0;
    let va = 0;
    let vb = 0;
    for (let i = 0; i < a.length; i++) {
      cov += (a[i]! - ma) * (b[i]! - mb);
      va += (a[i]! - ma) ** 2;
      vb += (b[i]! - mb) ** 2;
    }
    // For independent streams the correlation is about N(0, 1/sqrt(20000)) = 0.007 wide.
    expect(Math.abs(cov / Math.sqrt(va * vb))).toBeLessThan(0.04);
    expect(Math.abs(ma - 0.5)).toBeLessThan(0.01);
  });

  it('rejects bad arguments with a clear error', () => {
    expect(() => new Rng(1.5)).toThrow(/safe integer/);
    expect(() => new Rng(42).int(0)).toThrow(/integer n/);
    expect(() => new Rng(42).fork(Number.NaN)).toThrow(/label/);
  });
});
