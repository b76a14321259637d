// `fmnist run FILE`: an experiment file (experiments/*.json), run and reported like the study.

import { Option } from 'commander';
import type { CommandModule } from '../command.js';
import { seedsOption } from '../seeds/seeds.js';
import { executeExperiment } from '../study/experiment.js';
import { saveModelsOption } from '../study/saved-models.js';

export const runCommand: CommandModule = {
  name: 'run',
  summary:
    'run an experiment file (your own models, crops and optimizers), reported like the study',
  description:
    'Runs the experiment FILE defines (see docs/experiments.md and experiments/: the built-in study is experiments/study.json): trains each of its models as `fmnist study` trains the study\'s, compares them as its "comparisons" say (two models: class by class with their disagreements; more: one table, against the first), and writes report.html, report.md, figures/ and results.json into --out, atomically, with one explain page per model. The file is checked before anything runs: a bad one gets one line naming the place in it and exit 2. With --json it prints { "experiment": ..., "models": [...], "comparisons": [...], "run": ..., "report": ... }. --seed overrides the file\'s seed.',
  options: ['json', 'engine', 'seed', 'out', 'dataDir', 'limit', 'epochs'],
  configure: (command) =>
    command
      .argument('<file>', 'the experiment file (JSON)')
      .addOption(new Option('--model <name>', 'train only this model of the file'))
      .addOption(seedsOption())
      .addOption(saveModelsOption())
      .addOption(
        new Option(
          '--no-explain',
          'skip the explain pages (one per model, written into the report folder under explain/)',
        ),
      ),
  run: (options, context) =>
    executeExperiment((options.args as string[] | undefined)?.[0] ?? '', options, context),
};
