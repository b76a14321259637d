/**
 * Part 2's report section is a function of Part 2's models alone, whenever it is rendered:
 * rendered first from those models (as `fmnist study` does while Part 1 still trains) and put
 * into the sections, the study's sections are the very sections rendered all at once after
 * training, charts' SVG markup included (Vega numbers its gradients from a shared counter, which
 * each chart restarts).
 */
import { JsBackend, Rng } from '@fmnist/core';
import { features, type ImageCrop, type ImageSet } from '@fmnist/data';
import { describe, expect, it } from 'vitest';
import { studyJobs } from '../src/models.js';
import { part2Section, studySections } from '../src/report/index.js';
import { studyResult } from '../src/run-result.js';
import { CustomStudyEngine, StudyTrainer, type TrainedModel } from '../src/trainer.js';

/** Random 28×28 images whose label shows in a bright corner, so the models learn a little. */
function images(count: number, rng: Rng): ImageSet {
  const pixels = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = rng.int(10);
    for (let j = 0; j < 784; j++) pixels[i * 784 + j] = rng.int(256);
    pixels[i * 784 + labels[i]!] = 255;
    pixels[i * 784 + 783 - labels[i]!] = 255;
  }
  return { count, rows: 28, cols: 28, pixels, labels };
}

describe('the study report’s Part 2, rendered early', () => {
  it('gives the sections rendered after training, to the character', async () => {
    const rng = new Rng(11);
    const split = { train: images(256, rng), validation: images(64, rng), test: images(96, rng) };
    const sets = (crop: ImageCrop) => ({
      train: features(split.train, crop),
      validation: features(split.validation, crop),
      test: features(split.test, crop),
    });
    const trainer = new StudyTrainer(new CustomStudyEngine(new JsBackend(), 'the test'));
    const models: TrainedModel[] = [];
    for (const job of studyJobs(1)) models.push(await trainer.train(job, { seed: 3, sets }));
    const labels = split.test.labels;
    const result = studyResult(['part1', 'part2'], models, labels);
    const early = part2Section(
      studyResult(
        ['part2'],
        models.filter((m) => m.part === 'part2'),
        labels,
      ).part2!,
      split.test,
    );
    const withEarly = await studySections(result, split.test, { part2: early });
    const allAtOnce = await studySections(result, split.test);
    expect(withEarly.length).toBe(2);
    expect(JSON.stringify(withEarly)).toBe(JSON.stringify(allAtOnce));
  }, 120_000);
});
