/**
 * The lanes' `onLaneIdle`: called once, when the first lane finds the queue empty while another
 * still trains (its own worker already stopped), which is when `fmnist study` writes its
 * explain pages. Real workers (the built CLI's), the study's five units, one epoch on 200
 * images.
 */
import { studyJobs } from '@fmnist/study';
import { describe, expect, it } from 'vitest';
import { runUnits, scheduleUnits } from '../dist/runtime/lanes.js';

describe('runUnits: onLaneIdle', () => {
  it('fires once, when one lane is done and the other still trains', async () => {
    const units = scheduleUnits([3], studyJobs(1));
    expect(units.length).toBe(5);
    let running = 0;
    let finishedModels = 0;
    const idle: { running: number; finishedModels: number }[] = [];
    await runUnits(units, {
      engine: 'custom',
      dataDir: process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist',
      limit: 200,
      workers: 2,
      backend: { name: 'js', detail: 'the test asks for it' },
      register: (workers) => {
        running = workers.length;
      },
      onMessage: (_unit, message) => {
        if (message.type === 'model-end') finishedModels += 1;
      },
      onLaneIdle: () => idle.push({ running, finishedModels }),
    });
    expect(idle).toHaveLength(1);
    expect(idle[0]!.running).toBe(1);
    // At least four units done (the study's six models: base and early-stopping share one).
    expect(idle[0]!.finishedModels).toBeGreaterThanOrEqual(4);
    expect(finishedModels).toBe(6);
  }, 120_000);
});
