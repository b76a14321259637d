// `fmnist part1`: Part 1, steps 6-8: the two architectures, the 14x28 model trained on top
// and (reset to the same initial weights) on bottom, their comparison and disagreements.

import { PART1_MODELS } from '@fmnist/study';
import type { CommandModule } from '../command.js';
import { seedsOption } from '../seeds/seeds.js';
import { executeStudy } from '../study/execute.js';
import { modelOption } from '../study/model-option.js';
import { saveModelsOption } from '../study/saved-models.js';

export const part1Command: CommandModule = {
  name: 'part1',
  summary: 'Part 1: train the 14x28 model on the top half and on the bottom half, and compare',
  description:
    'Part 1, steps 6-8: summaries and diagrams of the 28x28 and 14x28 models; the 14x28 model trained on the top halves, then reset to the very same initial weights and trained on the bottom halves (SGD lr 1e-4, 10 epochs, batch 32); their classification reports, a per-class comparison with observations, and the test images one gets right and the other wrong. Writes the report into --out; --json prints { "models": [top, bottom], ... }.',
  options: ['json', 'engine', 'seed', 'out', 'dataDir', 'limit', 'epochs'],
  configure: (command) =>
    command
      .addOption(modelOption(PART1_MODELS))
      .addOption(seedsOption())
      .addOption(saveModelsOption()),
  run: (options, context) => executeStudy('part1', options, context),
};
