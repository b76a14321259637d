/**
 * The loss head: where backward starts, from the probabilities and the labels.
 *
 *   softmax Dense + cross-entropy (the study's models): the two are paired, so the Jacobian of
 *     softmax is never formed: dL/dz = (p − onehot) / B goes straight to the Dense layer's
 *     `backwardFromZ` (losses.ts, dense.ts);
 *   any other last layer: dL/dp = −1 / (B · p[label]) at the label (0 where p was clipped), then
 *     that layer's own backward.
 *
 * Chosen once, when the model is built, so the training step asks no questions of its layers.
 */
import type { FloatArray } from '@fmnist/core';
import { allocate, type Dtype } from '../dtype.js';
import { Dense } from '../layers/dense.js';
import { type Layer, rows } from '../layers/layer.js';
import { crossEntropyGradProbs, type Labels, softmaxCrossEntropyGradLogits } from '../losses.js';

export interface LossHead {
  /** `softmax-cross-entropy` (fused) or `cross-entropy` (through the last layer's backward). */
  readonly kind: 'softmax-cross-entropy' | 'cross-entropy';
  allocate(batch: number): void;
  /** Starts backward: writes the last layer's weight gradients and returns its dL/dx. */
  backward(
    probs: FloatArray,
    labels: Labels,
    batch: number,
    offset: number,
    needInputGrad: boolean,
  ): FloatArray | null;
  /** The gradient the head handed the last layer in the last backward (dL/dz or dL/dp). */
  lastGradient(batch: number): FloatArray;
}

export function lossHead(last: Layer, classes: number, dtype: Dtype): LossHead {
  if (last instanceof Dense && last.activation === 'softmax') {
    return {
      kind: 'softmax-cross-entropy',
      allocate: () => {},
      backward(probs, labels, batch, offset, needInputGrad) {
        const dz = last.dzBuffer(batch);
        softmaxCrossEntropyGradLogits(probs, labels, batch, classes, dz, offset);
        return last.backwardFromZ(dz, batch, needInputGrad);
      },
      lastGradient: (batch) => last.dzBuffer(batch),
    };
  }
  let dProbs: FloatArray = new Float32Array(0);
  return {
    kind: 'cross-entropy',
    allocate(batch) {
      if (dProbs.length < batch * classes) dProbs = allocate(dtype, batch * classes);
    },
    backward(probs, labels, batch, offset, needInputGrad) {
      const dp = rows(dProbs, batch * classes);
      crossEntropyGradProbs(probs, labels, batch, classes, dp, offset);
      return last.backward(dp, batch, needInputGrad);
    },
    lastGradient: (batch) => rows(dProbs, batch * classes),
  };
}
