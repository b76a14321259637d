/**
 * An experiment's comparisons from its models' results: a pair gets Part 1's treatment (class by
 * class, disagreements), a group Part 2's (one table, against the first). A file without
 * comparisons gets one table of all its models; a comparison with a model that did not run
 * (--model) is left out.
 */
import { type Comparison, groupComparison, type ModelResult, pairComparison } from '../results.js';
import type { Experiment } from './load.js';

export function experimentComparisons(
  experiment: Experiment,
  results: readonly ModelResult[],
  labels: ArrayLike<number>,
): Comparison[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  const written =
    experiment.comparisons.length > 0
      ? experiment.comparisons
      : results.length >= 2
        ? [{ title: 'All models', models: results.map((r) => r.name), table: true }]
        : [];
  return written
    .filter((c) => c.models.every((name) => byName.has(name)))
    .map((c) => {
      const models = c.models.map((name) => byName.get(name)!);
      const asTable = 'table' in c;
      if (models.length === 2 && !asTable) {
        return pairComparison(models[0]!, models[1]!, labels, c.title);
      }
      return groupComparison(models, c.title);
    });
}
