/** The engine's numbers against TensorFlow.js's, as the cross-check compares them. */
import { difference, type Tolerance, withinTolerance } from '@fmnist/tf';

/** The engine's array against the reference's: normwise, as the cross-check compares them. */
export interface ReferenceDifference {
  maxAbs: number;
  maxRel: number;
  scale: number;
  /** What the cross-check's tolerance allows at this scale: abs + rel · scale. */
  allowed: number;
  tolerance: Tolerance;
  ok: boolean;
}

export function compare(
  engine: ArrayLike<number>,
  reference: ArrayLike<number>,
  tolerance: Tolerance,
): ReferenceDifference {
  const d = difference(engine, reference);
  return {
    maxAbs: d.maxAbs,
    maxRel: d.maxRel,
    scale: d.scale,
    allowed: tolerance.abs + tolerance.rel * d.scale,
    tolerance,
    ok: withinTolerance(d, tolerance),
  };
}
