/**
 * A run's result, assembled once: from the trained models (and, with more than one seed, every
 * seed's) to one finished value that the JSON, the terminal text and the report's sections are
 * functions of. Nothing is changed after it is made; statistics over seeds are part of it from
 * the start instead of being written into it later.
 */
import type { Experiment } from './experiment/load.js';
import { experimentComparisons } from './experiment/result.js';
import type { ModelJob, Part } from './models.js';
import {
  type Comparison,
  type ModelResult,
  modelResult,
  type Part1Result,
  type Part2Result,
  part1Result,
  part2Result,
} from './results.js';
import { type Part1Seeds, type Part2Seeds, part1Seeds, part2Seeds } from './seeds.js';
import type { TrainedModel } from './trainer.js';

/** Every model trained under each of several seeds: per seed, in seed order, in plan order. */
export interface SeedRuns {
  seeds: readonly number[];
  runs: readonly { readonly models: readonly TrainedModel[] }[];
  /** How many workers trained side by side. */
  workers: number;
  seconds: number;
}

/** Where a set of statistics over seeds belongs in the report: its title and anchor. */
export interface SeedsLabel {
  title: string;
  id: string;
}

/** What holds over seeds: per part, and per comparison of an experiment. */
export interface SeedsResult {
  seeds: readonly number[];
  workers: number;
  seconds: number;
  part1?: Part1Seeds;
  part2?: Part2Seeds;
  comparisons: readonly { label: SeedsLabel; pair?: Part1Seeds; group?: Part2Seeds }[];
}

/** The study's parts (a part not run is absent) and, with several seeds, their statistics. */
export interface StudyResult {
  readonly models: readonly ModelResult[];
  readonly part1?: Part1Result;
  readonly part2?: Part2Result;
  readonly seeds?: SeedsResult;
}

export interface ExperimentResult {
  readonly experiment: Experiment;
  readonly jobs: readonly ModelJob[];
  readonly models: readonly ModelResult[];
  readonly comparisons: readonly Comparison[];
  readonly seeds?: SeedsResult;
}

function seedResults(seedRuns: SeedRuns, labels: ArrayLike<number>): ModelResult[][] {
  return seedRuns.runs.map((run) => run.models.map((m) => modelResult(m, labels)));
}

/**
 * The parts asked for, from the first seed's models (`trained`); with `seedRuns`, each part
 * carries its statistics over seeds as `seeds`, and its observations are those that hold over
 * seeds where there are any.
 */
export function studyResult(
  parts: readonly Part[],
  trained: readonly TrainedModel[],
  labels: ArrayLike<number>,
  seedRuns?: SeedRuns,
): StudyResult {
  const models = trained.map((m) => modelResult(m, labels));
  const runs = seedRuns ? seedResults(seedRuns, labels) : undefined;
  let part1: Part1Result | undefined;
  let part2: Part2Result | undefined;
  let p1: Part1Seeds | undefined;
  let p2: Part2Seeds | undefined;
  if (parts.includes('part1')) {
    const single = part1Result(
      models.filter((r) => r.part === 'part1'),
      labels,
    );
    p1 = runs && seedRuns ? part1Seeds(seedRuns.seeds, runs, labels) : undefined;
    part1 = p1
      ? { ...single, ...(p1.perClass ? { observations: p1.observations } : {}), seeds: p1 }
      : single;
  }
  if (parts.includes('part2')) {
    const single = part2Result(models.filter((r) => r.part === 'part2'));
    p2 = runs && seedRuns ? part2Seeds(seedRuns.seeds, runs, labels) : undefined;
    part2 = p2
      ? {
          ...single,
          ...(p2.versusBase.length > 0 ? { observations: p2.observations } : {}),
          seeds: p2,
        }
      : single;
  }
  const seeds: SeedsResult | undefined = seedRuns && {
    seeds: seedRuns.seeds,
    workers: seedRuns.workers,
    seconds: seedRuns.seconds,
    ...(p1 ? { part1: p1 } : {}),
    ...(p2 ? { part2: p2 } : {}),
    comparisons: [],
  };
  return {
    models,
    ...(part1 ? { part1 } : {}),
    ...(part2 ? { part2 } : {}),
    ...(seeds ? { seeds } : {}),
  };
}

/**
 * An experiment's models and comparisons; with `seedRuns`, a pair carries Part 1's statistics
 * over seeds and a group Part 2's (each against its first), as `seeds`.
 */
export function experimentResult(
  experiment: Experiment,
  jobs: readonly ModelJob[],
  trained: readonly TrainedModel[],
  labels: ArrayLike<number>,
  seedRuns?: SeedRuns,
): ExperimentResult {
  const models = trained.map((m) => modelResult(m, labels));
  const single = experimentComparisons(experiment, models, labels);
  if (!seedRuns) return { experiment, jobs, models, comparisons: single };
  const runs = seedResults(seedRuns, labels);
  const overSeeds: SeedsResult['comparisons'][number][] = [];
  const comparisons = single.map((c, index): Comparison => {
    const label = { title: c.title, id: `comparison${index + 1}` };
    if (c.kind === 'pair') {
      const pair = part1Seeds(seedRuns.seeds, runs, labels, c.models);
      overSeeds.push({ label, pair });
      return { ...c, ...(pair.perClass ? { observations: pair.observations } : {}), seeds: pair };
    }
    const group = part2Seeds(seedRuns.seeds, runs, labels, c.models);
    overSeeds.push({ label, group });
    return {
      ...c,
      ...(group.versusBase.length > 0 ? { observations: group.observations } : {}),
      seeds: group,
    };
  });
  const seeds: SeedsResult = {
    seeds: seedRuns.seeds,
    workers: seedRuns.workers,
    seconds: seedRuns.seconds,
    comparisons: overSeeds,
  };
  return { experiment, jobs, models, comparisons, seeds };
}
