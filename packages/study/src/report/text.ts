/**
 * The terminal text of the training commands (stdout without --json): what a notebook would
 * print (summaries, classification reports, tables), plus the observations and where the
 * report is. The report itself has all of this with the figures.
 */
import { CLASS_NAMES } from '@fmnist/data';
import {
  modelComparisonTable,
  type Observation,
  perClassComparisonTable,
  renderTableText,
} from '@fmnist/reports';
import type { ModelResult, Part1Result, Part2Result } from '../index.js';
import { epochs } from './figures.js';

const rule = (title: string) => `${title}\n${'='.repeat(title.length)}`;
const bullets = (items: readonly Observation[]) => items.map((o) => `- ${o.text}`).join('\n');

function modelText(model: ModelResult): string {
  return [
    `${model.name}: ${epochs(model.epochsRun)} in ${model.seconds.toFixed(1)} s on ${model.backend}, best epoch ${model.bestEpoch}, test accuracy ${model.test.accuracy.toFixed(4)}`,
    '',
    `Classification report (${model.name}, test set):`,
    model.test.report.trimEnd(),
    '',
    bullets(model.observations),
  ].join('\n');
}

export function part1Text(result: Part1Result): string {
  const parts = [
    rule('Part 1: which half of the image carries the information'),
    result.summaries.full.trimEnd(),
    result.summaries.half.trimEnd(),
    ...result.models.map(modelText),
  ];
  if (result.perClass && result.disagreements) {
    parts.push(
      renderTableText(
        perClassComparisonTable(
          CLASS_NAMES,
          result.models.map((m) => ({ name: m.name, classes: m.test.classes })),
        ),
      ).trimEnd(),
      bullets(result.observations),
    );
    for (const set of [
      result.disagreements.topRightBottomWrong,
      result.disagreements.bottomRightTopWrong,
    ]) {
      parts.push(
        [
          `${set.right} right, ${set.wrong} wrong: ${set.count} test images; the first ${set.first.length}:`,
          ...set.first.map(
            (c) => `  #${c.index}: true ${c.trueName}, ${set.wrong} said ${c.predictedName}`,
          ),
        ].join('\n'),
      );
    }
  }
  return parts.join('\n\n');
}

export function part2Text(result: Part2Result): string {
  const parts = [rule('Part 2: regularisation on the top half')];
  for (const model of result.models) parts.push(model.summary.trimEnd(), modelText(model));
  if (result.models.length > 0) {
    parts.push(
      renderTableText(modelComparisonTable(result.comparison)).trimEnd(),
      bullets(result.observations),
    );
  }
  return parts.join('\n\n');
}
