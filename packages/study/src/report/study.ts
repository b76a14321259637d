/**
 * The study's parts as the report's sections and as the terminal's text: a part that trained
 * no model (--model left all of its out) is left out of both, though its JSON stays.
 */
import type { ImageSet } from '@fmnist/data';
import type { Section } from '@fmnist/reports';
import type { StudyResult } from '../run-result.js';
import { part1Section } from './part1-section.js';
import { part2Section } from './part2-section.js';
import { part1Text, part2Text } from './text.js';

/**
 * `ready.part2`: Part 2's section already rendered from this very result's Part 2 (one seed:
 * `fmnist study` renders it as soon as Part 2's last model is trained, while Part 1's still train).
 */
export async function studySections(
  result: StudyResult,
  test: ImageSet,
  ready: { part2?: Promise<Section> } = {},
): Promise<Section[]> {
  const { part1, part2 } = result;
  return [
    ...(part1 && part1.models.length > 0 ? [await part1Section(part1, test)] : []),
    ...(part2 && part2.models.length > 0 ? [await (ready.part2 ?? part2Section(part2, test))] : []),
  ];
}

export function studyTexts(result: StudyResult): string[] {
  const { part1, part2 } = result;
  return [
    ...(part1 && part1.models.length > 0 ? [part1Text(part1)] : []),
    ...(part2 && part2.models.length > 0 ? [part2Text(part2)] : []),
  ];
}
