import type { LayerSpec, ModelSpec, OptimizerSpec } from './spec.js';

/** The input shapes of the study: the full image and either half of it. */
export const FULL_SHAPE = [28, 28];
export const HALF_SHAPE = [14, 28];

/** Part 1: Flatten -> Dense(128, relu) -> Dense(64, relu) -> Dense(10, softmax). */
export function part1Spec(name: string, inputShape: number[]): ModelSpec {
  return {
    name,
    inputShape,
    layers: [
      { type: 'flatten' },
      { type: 'dense', units: 128, activation: 'relu' },
      { type: 'dense', units: 64, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  };
}

export const PART1_OPTIMIZER: OptimizerSpec = { type: 'sgd', learningRate: 1e-4 };
export const PART2_OPTIMIZER: OptimizerSpec = { type: 'adam' };

export type Part2Variant = 'base' | 'early-stopping' | 'batch-norm' | 'dropout';
export const PART2_VARIANTS: Part2Variant[] = ['base', 'early-stopping', 'batch-norm', 'dropout'];

/** Part 2: Dense 128 -> 64 -> 32 (ReLU) on the top half, with the variant's regulariser. */
export function part2Spec(variant: Part2Variant): ModelSpec {
  const hidden: LayerSpec[] = [];
  for (const units of [128, 64, 32]) {
    if (variant === 'batch-norm') {
      // As the study builds it: Dense(units, relu, use_bias=False) then BatchNormalization.
      // The bias is dropped because BN's beta plays its part.
      hidden.push({ type: 'dense', units, activation: 'relu', useBias: false });
      hidden.push({ type: 'batchNormalization' });
    } else {
      hidden.push({ type: 'dense', units, activation: 'relu' });
      if (variant === 'dropout') hidden.push({ type: 'dropout', rate: 0.5 });
    }
  }
  return {
    name: variant,
    inputShape: HALF_SHAPE,
    layers: [{ type: 'flatten' }, ...hidden, { type: 'dense', units: 10, activation: 'softmax' }],
  };
}
