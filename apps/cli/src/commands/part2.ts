// `fmnist part2`: Part 2: base, early stopping, batch normalisation and dropout on the top
// half, each trained and evaluated, then compared in one table.

import { PART2_MODELS } from '@fmnist/study';
import type { CommandModule } from '../command.js';
import { seedsOption } from '../seeds/seeds.js';
import { executeStudy } from '../study/execute.js';
import { modelOption } from '../study/model-option.js';
import { saveModelsOption } from '../study/saved-models.js';

export const part2Command: CommandModule = {
  name: 'part2',
  summary: 'Part 2: base, early stopping, batch norm and dropout on the top half, compared',
  description:
    'Part 2: four models on the top halves with Adam (Keras defaults), 15 epochs, batch 32: base (Dense 128-64-32), early stopping (patience 3, best weights restored), batch normalisation, dropout 0.5. For each: summary, classification report, training curves with the best epoch, observations; then one comparison table. Writes the report into --out; --json prints { "models": [base, early-stopping, batch-norm, dropout], ... }.',
  options: ['json', 'engine', 'seed', 'out', 'dataDir', 'limit', 'epochs'],
  configure: (command) =>
    command
      .addOption(modelOption(PART2_MODELS))
      .addOption(seedsOption())
      .addOption(saveModelsOption()),
  run: (options, context) => executeStudy('part2', options, context),
};
