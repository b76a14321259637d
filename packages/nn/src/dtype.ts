import type { FloatArray } from '@fmnist/core';

/**
 * Training runs in float32 (as Keras does); gradient checks build the same layers in float64 so
 * finite differences are accurate enough to compare against.
 */
export type Dtype = 'float32' | 'float64';

export function allocate(dtype: Dtype, length: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}
