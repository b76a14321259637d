// `fmnist data`: Part 1's data steps (shapes, class distribution, pixel ranges, crops, grids).
import type { CommandModule } from '../command.js';
import { executeStudy } from '../study/execute.js';

export const dataCommand: CommandModule = {
  name: 'data',
  summary: 'load and split Fashion-MNIST; shapes, class distribution, pixel ranges, crops',
  description:
    'Part 1, steps 1-4: the shapes of X and y for training (first 50,000), validation (last 10,000) and test (10,000); the class distribution of each split; the pixel range before and after scaling to [0, 1]; the shapes of the top (rows 0-13) and bottom (rows 14-27) crops; step 5, the first 20 training images as 4x5 grids. The figures (and a report of these steps) are written into --out.',
  options: ['json', 'out', 'dataDir', 'limit'],
  // The figures and the report are drawn by study/ (issue 6), shared with `fmnist study`.
  run: (options, context) => executeStudy('data', options, context),
};
