// `fmnist data`: Part 1's data steps (shapes, class distribution, pixel ranges, crops).
import type { CommandModule } from '../command.js';
import { dataSteps } from '../steps/data.js';

export const dataCommand: CommandModule = {
  name: 'data',
  summary: 'load and split Fashion-MNIST; shapes, class distribution, pixel ranges, crops',
  description:
    'Part 1, steps 1-4: the shapes of X and y for training (first 50,000), validation (last 10,000) and test (10,000); the class distribution of each split; the pixel range before and after scaling to [0, 1]; the shapes of the top (rows 0-13) and bottom (rows 14-27) crops.',
  options: ['json', 'dataDir', 'limit'],
  async run(options, context) {
    const data = await context.loadData({ dataDir: options.dataDir, limit: options.limit });
    return dataSteps(data);
  },
};
