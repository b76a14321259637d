/**
 * How far apart two engines' arrays are. `maxAbs` is the largest |a − b|; `maxRel` divides it
 * by the larger array's largest magnitude (a normwise relative error). Elementwise relative
 * errors are not used: a gradient entry that is a near-cancellation of many terms can be
 * 1e-9 in one engine and −1e-9 in the other, which is harmless yet 200% "relative" error.
 */
export interface Difference {
  maxAbs: number;
  maxRel: number;
  /** max |b|: the scale the relative figure is taken against. */
  scale: number;
}

export function difference(a: ArrayLike<number>, b: ArrayLike<number>): Difference {
  if (a.length !== b.length) {
    throw new RangeError(`Cannot compare arrays of ${a.length} and ${b.length} values.`);
  }
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    // NaN must fail loudly rather than vanish in a max().
    const d = Number.isNaN(x) || Number.isNaN(y) ? Number.POSITIVE_INFINITY : Math.abs(x - y);
    if (d > maxAbs) maxAbs = d;
    scale = Math.max(scale, Math.abs(x), Math.abs(y));
  }
  return { maxAbs, maxRel: scale === 0 ? maxAbs : maxAbs / scale, scale };
}

/** A tolerance: pass when maxAbs <= abs + rel * scale (numpy's allclose, taken normwise). */
export interface Tolerance {
  abs: number;
  rel: number;
}

export function withinTolerance(d: Difference, tolerance: Tolerance): boolean {
  return d.maxAbs <= tolerance.abs + tolerance.rel * d.scale;
}

/** A readable failure message for tests and the crosscheck report. */
export function describeDifference(what: string, d: Difference, tolerance: Tolerance): string {
  const allowed = tolerance.abs + tolerance.rel * d.scale;
  return `${what}: max |diff| ${d.maxAbs.toExponential(3)} (scale ${d.scale.toExponential(3)}, relative ${d.maxRel.toExponential(3)}) vs allowed ${allowed.toExponential(3)}`;
}
