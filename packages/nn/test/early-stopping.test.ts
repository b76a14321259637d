/**
 * EarlyStopping on scripted validation losses, driven by a loop that calls the hooks the way
 * fit does. Each epoch's "weights" are [epoch], so the restored weights name their epoch.
 */
import { describe, expect, it } from 'vitest';
import { EarlyStopping } from '../src/callbacks.js';
import { denseStack } from '../src/dense-stack.js';
import { Sequential } from '../src/sequential.js';
import { runEarlyStopping } from './helpers/early-stopping.js';

const run = runEarlyStopping;

describe('EarlyStopping (Keras 3 semantics)', () => {
  it('stops `patience` epochs after the best one and restores the best weights', () => {
    const r = run([1.0, 0.8, 0.9, 0.85, 0.95, 0.7, 0.6], { patience: 3, restoreBestWeights: true });
    // Best at epoch index 1; epochs 2, 3, 4 do not improve; wait reaches 3 at epoch 4.
    expect(r.epochsRun).toBe(5);
    expect(r.es.stoppedEpoch).toBe(4);
    expect(r.es.bestEpoch).toBe(1);
    expect(r.weightsEpoch).toBe(1);
  });

  it('keeps the last weights when restoreBestWeights is false', () => {
    const r = run([1.0, 0.8, 0.9, 0.85, 0.95, 0.7], { patience: 3 });
    expect(r.epochsRun).toBe(5);
    expect(r.weightsEpoch).toBe(4);
  });

  it('restores the best weights even when training ends before patience runs out', () => {
    const r = run([1.0, 0.5, 0.6, 0.7], { patience: 3, restoreBestWeights: true });
    expect(r.epochsRun).toBe(4);
    expect(r.es.stoppedEpoch).toBe(0);
    expect(r.weightsEpoch).toBe(1);
  });

  it('counts an improvement smaller than minDelta as none', () => {
    const r = run([1.0, 0.95, 0.5], { patience: 1, minDelta: 0.1, restoreBestWeights: true });
    expect(r.epochsRun).toBe(2);
    expect(r.weightsEpoch).toBe(0);
  });

  it('with patience 0 stops at the first epoch that does not improve, never after the first', () => {
    expect(run([1.0, 1.0, 0.5], { patience: 0 }).epochsRun).toBe(2);
    expect(run([1.0, 0.9, 0.8, 0.9], { patience: 0 }).epochsRun).toBe(4);
  });

  it('treats an equal value as no improvement, and maximises accuracies in auto mode', () => {
    const r = run([0.5, 0.5, 0.5], { patience: 1, monitor: 'val_loss' });
    expect(r.epochsRun).toBe(2);
    expect(new EarlyStopping({ monitor: 'val_accuracy' }).mode).toBe('max');
    expect(() => new EarlyStopping({ monitor: 'val_f1' })).toThrow(/mode/);
  });

  it('stops Sequential.fit and restores weights through the callback wiring', async () => {
    const model = new Sequential(denseStack('tiny', [2, 2], [128, 64]), { seed: 3 });
    // A learning rate so small that float32 weights cannot move: every epoch's loss is equal.
    model.compile({ optimizer: { type: 'sgd', learningRate: 1e-30 } });
    const x = Float32Array.from({ length: 40 }, (_, i) => (i % 7) / 7);
    const y = Uint8Array.from({ length: 10 }, (_, i) => i % 10);
    const es = new EarlyStopping({ monitor: 'loss', patience: 0, restoreBestWeights: true });
    const history = await model.fit(x, y, {
      epochs: 10,
      batchSize: 4,
      shuffle: false,
      callbacks: [es],
    });
    expect(history.epoch).toEqual([0, 1]);
    expect(es.stoppedEpoch).toBe(1);
  });
});
