/**
 * An early-stopping twin observed on its job's own run gives what training it apart gives: the
 * same history, epochs run, best and restored epoch, initial weights, final weights and test
 * predictions, to the bit. (The study trains base once and reads early-stopping off it.)
 */
import { JsBackend, Rng } from '@fmnist/core';
import type { Features } from '@fmnist/data';
import { describe, expect, it } from 'vitest';
import { experimentJobs } from '../src/experiment/jobs.js';
import { parseExperiment } from '../src/experiment/load.js';
import { CustomStudyEngine, earlyStoppingTwin, pairTwins, StudyTrainer } from '../src/trainer.js';

/** Noisy features whose label the first pixels tell, so a model learns, then overfits. */
function features(count: number, rng: Rng): Features {
  const x = new Float32Array(count * 392);
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    y[i] = rng.int(10);
    for (let j = 0; j < 392; j++) x[i * 392 + j] = rng.nextFloat();
    x[i * 392 + y[i]!] += 0.6;
  }
  return { x, y, shape: [count, 14, 28] };
}

const rng = new Rng(7);
const sets = { train: features(400, rng), validation: features(60, rng), test: features(120, rng) };

const model = (name: string, extra: object) => ({
  name,
  crop: 'top',
  layers: [
    { type: 'dense', units: 24, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { type: 'adam', learningRate: 0.02 },
  batchSize: 16,
  ...extra,
});
const jobs = experimentJobs(
  parseExperiment(
    JSON.stringify({
      name: 'twins',
      models: [
        model('plain', { epochs: 12 }),
        model('stopping', { epochs: 12, earlyStopping: { patience: 1 } }),
        model('short', { epochs: 4, earlyStopping: { patience: 9 } }),
        model('other', { epochs: 12, earlyStopping: { patience: 1 }, batchSize: 8 }),
      ],
    }),
    'twins.json',
  ),
);
const [plain, stopping, short, other] = jobs as [
  (typeof jobs)[0],
  (typeof jobs)[0],
  (typeof jobs)[0],
  (typeof jobs)[0],
];

async function apart(job: (typeof jobs)[0]) {
  const trainer = new StudyTrainer(new CustomStudyEngine(new JsBackend(), 'test'));
  try {
    return await trainer.train(job, { seed: 3, sets: () => sets });
  } finally {
    trainer.dispose();
  }
}

describe('early-stopping twins', () => {
  it('pairs a job with its early-stopping twin only when nothing else differs', () => {
    expect(earlyStoppingTwin(plain, stopping)).toBe(true);
    expect(earlyStoppingTwin(plain, short)).toBe(true);
    expect(earlyStoppingTwin(plain, other)).toBe(false); // another batch size
    expect(earlyStoppingTwin(stopping, plain)).toBe(false);
    expect(pairTwins(jobs).map((p) => (Array.isArray(p) ? p.map((j) => j.name) : p.name))).toEqual([
      ['plain', 'stopping'],
      'short',
      'other',
    ]);
  });

  it.each([
    ['stopping', 'stops early and restores its best epoch'],
    ['short', 'runs out of its own epochs first and restores its best'],
  ])('%s, observed on plain’s run (it %s), is what training it apart gives', async (name) => {
    const twinJob = name === 'stopping' ? stopping : short;
    const trainer = new StudyTrainer(new CustomStudyEngine(new JsBackend(), 'test'));
    const events: string[] = [];
    const [job, twin] = await trainer.trainWithTwin(plain, twinJob, {
      seed: 3,
      sets: () => sets,
      onEvent: (e) => {
        if (e.name === name && e.type !== 'batch') events.push(e.type);
      },
    });
    trainer.dispose();
    const [ownJob, ownTwin] = [await apart(plain), await apart(twinJob)];
    for (const [observed, own] of [
      [job, ownJob],
      [twin, ownTwin],
    ] as const) {
      expect(observed.history).toEqual(own.history);
      expect(observed.epochsRun).toBe(own.epochsRun);
      expect(observed.bestEpoch).toBe(own.bestEpoch);
      expect(observed.stoppedEarly).toBe(own.stoppedEarly);
      expect(observed.restoredEpoch).toBe(own.restoredEpoch);
      expect(observed.initialWeightsSha256).toBe(own.initialWeightsSha256);
      expect(observed.summary).toBe(own.summary);
      expect(observed.predictions).toEqual(own.predictions);
      expect(observed.confidence).toEqual(own.confidence);
      expect(observed.weights).toEqual(own.weights);
      expect(observed.epochSeconds).toHaveLength(own.epochsRun);
    }
    // The case is the one named: it really stopped early, or really ran out of epochs.
    if (name === 'stopping') {
      expect(twin.stoppedEarly).toBe(true);
      expect(twin.epochsRun).toBeLessThan(job.epochsRun);
    } else {
      expect(twin.stoppedEarly).toBe(false);
      expect(twin.epochsRun).toBe(4);
    }
    expect(twin.restoredEpoch).not.toBeNull();
    // Its progress, as its own run shows it: begun, then each of its epochs.
    expect(events).toEqual(['model-begin', ...Array(twin.epochsRun).fill('epoch-end')]);
  });
});
