// `fmnist study`: the whole study. So far only its data steps exist; Part 1's models and
// Part 2 join here as they land, under the `part1` and `part2` keys of the JSON.
import type { CommandModule } from '../command.js';
import { dataSteps } from '../steps/data.js';

export const studyCommand: CommandModule = {
  name: 'study',
  summary: 'the whole study (so far: the data steps, as `fmnist data`)',
  description:
    'Runs the whole study. So far: the data steps only (the same as `fmnist data`); Part 1 training and Part 2 are not part of it yet. With --json it prints { "data": ... }.',
  options: ['json', 'dataDir', 'limit'],
  async run(options, context) {
    const data = await context.loadData({ dataDir: options.dataDir, limit: options.limit });
    const steps = dataSteps(data);
    return { json: { data: steps.json }, text: steps.text };
  },
};
