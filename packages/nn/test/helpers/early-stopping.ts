import type { FloatArray } from '@fmnist/core';
import {
  type CallbackModel,
  EarlyStopping,
  type EarlyStoppingOptions,
} from '../../src/callbacks.js';

/**
 * Drives EarlyStopping over scripted validation values the way fit calls its hooks. Each
 * epoch's "weights" are [epoch], so the restored weights name their epoch. A value is logged
 * as both val_loss and val_accuracy; undefined logs neither (the monitored value is missing).
 */
export function runEarlyStopping(
  values: readonly (number | undefined)[],
  options: EarlyStoppingOptions,
) {
  let weights: FloatArray[] = [Float32Array.of(-1)];
  const model: CallbackModel = {
    stopTraining: false,
    getWeights: () => weights.map((w) => w.slice()),
    setWeights: (ws) => {
      weights = ws.map((w) => Float32Array.from(w));
    },
  };
  const es = new EarlyStopping(options);
  es.setModel(model);
  es.onTrainBegin();
  let epochsRun = 0;
  for (let epoch = 0; epoch < values.length; epoch++) {
    weights = [Float32Array.of(epoch)]; // training this epoch produced these weights
    epochsRun++;
    const v = values[epoch];
    es.onEpochEnd(epoch, v === undefined ? { loss: 0 } : { loss: 0, val_loss: v, val_accuracy: v });
    if (model.stopTraining) break;
  }
  es.onTrainEnd();
  return { epochsRun, weightsEpoch: weights[0]![0], es };
}
