// `fmnist study`: the whole study (the data steps, Part 1 and Part 2) and its report.

import { MODEL_NAMES } from '@fmnist/study';
import { Option } from 'commander';
import type { CommandModule } from '../command.js';
import { seedsOption } from '../seeds/seeds.js';
import { executeStudy } from '../study/execute.js';
import { modelOption } from '../study/model-option.js';
import { saveModelsOption } from '../study/saved-models.js';

export const studyCommand: CommandModule = {
  name: 'study',
  summary: 'the whole study: data, Part 1 and Part 2, written as one report',
  description:
    'Runs the whole study: the data steps with their figures, Part 1 (top vs bottom half) and Part 2 (regularisation), and writes report.html, report.md, figures/ and results.json into --out (atomically: a report appears only when whole), with one explain page per model inside it, in explain/<model>/ (see `fmnist explain`). With --json it prints { "data": ..., "part1": { "models": [...] }, "part2": { "models": [...] }, "run": ..., "report": ... }. Ctrl-C stops at once and writes nothing.',
  options: ['json', 'engine', 'seed', 'out', 'dataDir', 'limit', 'epochs'],
  configure: (command) =>
    command
      .addOption(modelOption(MODEL_NAMES))
      .addOption(seedsOption())
      .addOption(saveModelsOption())
      .addOption(
        new Option(
          '--no-explain',
          'skip the explain pages (one per model, written into the report folder under explain/)',
        ),
      ),
  run: (options, context) => executeStudy('study', options, context),
};
