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
import type { Backend, FloatArray } from '@fmnist/core';
import { allocate, type Dtype } from '../dtype.js';
import { Dense } from '../layers/dense.js';
import { type Layer, leading } from '../layers/layer.js';
import { crossEntropyGradProbs } from '../losses.js';

export interface LossHead {
  /** `softmax-cross-entropy` (fused) or `cross-entropy` (through the last layer's backward). */
  readonly kind: 'softmax-cross-entropy' | 'cross-entropy';
  allocate(batch: number): void;
  /**
   * Starts backward: writes the last layer's weight gradients and returns its dL/dx. `labels`
   * holds the batch's class indices as floats, one per row (a backend array like any other).
   */
  backward(
    probs: FloatArray,
    labels: Float32Array,
    batch: number,
    needInputGrad: boolean,
  ): FloatArray | null;
  /** The gradient the head handed the last layer in the last backward (dL/dz or dL/dp). */
  lastGradient(batch: number): FloatArray;
}

export function lossHead(last: Layer, classes: number, dtype: Dtype, backend: Backend): LossHead {
  if (last instanceof Dense && last.activation === 'softmax') {
    return {
      kind: 'softmax-cross-entropy',
      allocate: () => {},
      backward(probs, labels, batch, needInputGrad) {
        const dz = last.dzBuffer(batch);
        backend.softmaxCrossEntropyBackward(probs, labels, dz, batch, classes);
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
    backward(probs, labels, batch, needInputGrad) {
      // Not the study's head (its models end in a softmax Dense): a host loop, with the
      // probabilities brought back from a device-resident backend and dL/dp handed to it.
      const dp = leading(dProbs, batch * classes);
      crossEntropyGradProbs(backend.read(probs), labels, batch, classes, dp);
      backend.write(dp);
      return last.backward(dp, batch, needInputGrad);
    },
    lastGradient: (batch) => leading(dProbs, batch * classes),
  };
}
