/**
 * `--seeds N` in the study's commands, kept to a few calls in study/execute.ts:
 *
 * - `trainerFor(n)`: runTraining itself for one seed; for more, a stand-in with the same
 *   signature that trains under every seed (seeds/runner.ts) and hands back the first seed's
 *   models, so every single-run section, figure and JSON field stays as it was;
 * - `seedStatistics(training, labels)`: per part, the statistics over seeds, attached to the
 *   part's JSON as `seeds`, with the part's comparison observations replaced by those that
 *   hold over seeds; and one closing report section with all of it.
 */
import type { Section } from '@fmnist/reports';
import type { Comparison, Part1Result, Part2Result } from '@fmnist/study';
import {
  deriveSeeds,
  modelResult,
  type Part1Seeds,
  type Part2Seeds,
  part1Seeds,
  part2Seeds,
} from '@fmnist/study';
import {
  part1SeedsSection,
  part1SeedsText,
  part2SeedsSection,
  part2SeedsText,
  type SeedsLabel,
} from '@fmnist/study/report';
import {
  type RunPlan,
  type RunTrainingOptions,
  runTraining,
  type TrainingRun,
} from '../study/run.js';
import { runSeeds, type SeedsTraining } from './runner.js';

export type SeededTraining = TrainingRun & { seeds?: SeedsTraining };
export type Trainer = (plan: RunPlan, options: RunTrainingOptions) => Promise<SeededTraining>;

/** The `--seeds` value as parsed (1 when the command has no such option). */
export function seedCountOf(options: Record<string, unknown>): number {
  return typeof options.seeds === 'number' ? options.seeds : 1;
}

export function trainerFor(seedCount: number): Trainer {
  if (seedCount <= 1) return runTraining;
  return async (plan, options) => {
    const seeds = await runSeeds(plan, deriveSeeds(plan.seed, seedCount), options);
    return {
      models: seeds.runs[0]!.models,
      backend: seeds.backend,
      backendDetail: seeds.backendDetail,
      lanes: seeds.workers,
      seconds: seeds.seconds,
      seeds,
    };
  };
}

export interface SeedStatistics {
  /** Adds `seeds` to Part 1's result and puts the observations that hold over seeds in place. */
  part1(result: Part1Result): void;
  part2(result: Part2Result): void;
  /** An experiment's comparison: a pair as Part 1, a group as Part 2 (against its first). */
  comparison(result: Comparison, index: number): void;
  /** "Over N seeds": the parts' statistics, tables and charts (after the single-run sections). */
  section(): Promise<Section>;
  text(): string;
}

/** Undefined for a single seed: nothing to add. */
export function seedStatistics(
  training: SeededTraining,
  labels: ArrayLike<number>,
): SeedStatistics | undefined {
  const seeds = training.seeds;
  if (!seeds) return undefined;
  const results = seeds.runs.map((run) => run.models.map((m) => modelResult(m, labels)));
  let p1: Part1Seeds | undefined;
  let p2: Part2Seeds | undefined;
  const compared: {
    label: SeedsLabel;
    pair?: Part1Seeds;
    group?: Part2Seeds;
  }[] = [];
  const header = `Each model was trained under ${seeds.seeds.length} seeds (${seeds.seeds.join(', ')}), ${seeds.workers} at a time, in ${seeds.seconds.toFixed(0)} s of wall time. The sections above show the first seed's runs; here are the means over seeds, their 95% confidence intervals, and the tests that say which differences are larger than what a change of seed does.`;
  return {
    part1(result) {
      p1 = part1Seeds(seeds.seeds, results, labels);
      Object.assign(result, { seeds: p1 });
      if (p1.perClass) result.observations = p1.observations;
    },
    part2(result) {
      p2 = part2Seeds(seeds.seeds, results, labels);
      Object.assign(result, { seeds: p2 });
      if (p2.versusBase.length > 0) result.observations = p2.observations;
    },
    comparison(result, index) {
      const label = { title: result.title, id: `comparison${index + 1}` };
      if (result.kind === 'pair') {
        const pair = part1Seeds(seeds.seeds, results, labels, result.models);
        Object.assign(result, { seeds: pair });
        if (pair.perClass) result.observations = pair.observations;
        compared.push({ label, pair });
      } else {
        const group = part2Seeds(seeds.seeds, results, labels, result.models);
        Object.assign(result, { seeds: group });
        if (group.versusBase.length > 0) result.observations = group.observations;
        compared.push({ label, group });
      }
    },
    async section() {
      const sections: Section[] = [];
      for (const c of compared) {
        if (c.pair) sections.push(await part1SeedsSection(c.pair, c.label));
        if (c.group) sections.push(await part2SeedsSection(c.group, c.label));
      }
      // A part whose models were all left out (--model) has nothing to show.
      if (p1 && p1.models.length > 0) sections.push(await part1SeedsSection(p1));
      if (p2 && p2.models.length > 0) sections.push(await part2SeedsSection(p2));
      return {
        heading: `Over ${seeds.seeds.length} seeds: which conclusions hold`,
        blocks: [{ type: 'paragraph', text: header }],
        sections,
      };
    },
    text() {
      return [
        header,
        ...(p1 && p1.models.length > 0 ? [part1SeedsText(p1)] : []),
        ...(p2 && p2.models.length > 0 ? [part2SeedsText(p2)] : []),
        ...compared.map((c) =>
          c.pair ? part1SeedsText(c.pair, c.label.title) : part2SeedsText(c.group!, c.label.title),
        ),
      ].join('\n\n');
    },
  };
}
