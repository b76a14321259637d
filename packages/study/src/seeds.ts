/**
 * From N seeds' results to what holds across them: per model, the mean, standard deviation
 * and 95% t interval of test accuracy and per-class precision, recall and F1; Part 1's
 * top-vs-bottom differences paired by seed, with McNemar's test on the paired predictions;
 * Part 2's models against the base model, with Holm's correction for testing three of them.
 * Observations describe only differences whose interval excludes zero, and say so.
 */
import { CLASS_NAMES } from '@fmnist/data';
import {
  DEFAULT_LEVEL,
  discordantCounts,
  EXACT_BELOW,
  excludesZero,
  formatP,
  holm,
  type Observation,
  type PairedDifference,
  type PooledMcNemar,
  pairedDifference,
  pooledMcNemar,
  type Summary,
  summarize,
} from '@fmnist/reports';
import type { ModelResult } from './results.js';

/*
 * The seeds of `--seeds N` are derived from `--seed` deterministically, the first being `--seed`
 * itself, so `--seeds 1` is the ordinary run and `--seeds 5` repeats it and adds four more; the
 * same command always trains the same models.
 */
/** More seeds than this is a typo more likely than a plan (each seed is a whole study). */
export const MAX_SEEDS = 100;

/** The seed range `--seed` accepts: unsigned 32-bit. */
const SEED_RANGE = 2 ** 32;

/**
 * SplitMix32's finaliser: neighbouring inputs give unrelated outputs, so seed i and i + 1
 * do not start nearby streams of the engine's generator.
 */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** N distinct seeds: `base` first, then mixes of (base, i). */
export function deriveSeeds(base: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`deriveSeeds: count must be a whole number of 1 or more, got ${count}.`);
  }
  const seeds = [base >>> 0];
  const seen = new Set(seeds);
  for (let i = 1; seeds.length < count; i++) {
    const seed = mix32((Math.imul(base >>> 0, 0x27d4eb2d) + i) | 0) % SEED_RANGE;
    // A collision is astronomically rare, but a repeated seed would pair a run with itself.
    if (!seen.has(seed)) {
      seen.add(seed);
      seeds.push(seed);
    }
  }
  return seeds;
}

/** A summary over seeds, with the per-seed values it came from (in seed order). */
export type MetricSummary = Summary & { values: number[] };
export type DifferenceSummary = PairedDifference & { values: number[] };

export interface ClassSummary {
  class: string;
  precision: MetricSummary;
  recall: MetricSummary;
  f1: MetricSummary;
}

export interface ModelSeedsSummary {
  name: string;
  accuracy: MetricSummary;
  macroF1: MetricSummary;
  classes: ClassSummary[];
  epochsRun: MetricSummary;
  bestEpoch: MetricSummary;
  seconds: MetricSummary;
}

export interface McNemarSummary extends PooledMcNemar {
  /** Holm-adjusted pooled p within its family (null when the test is alone). */
  pooledHolm: number | null;
}

export interface ClassDifference {
  class: string;
  /** First model minus second (top - bottom), paired by seed. */
  precision: DifferenceSummary;
  recall: DifferenceSummary;
  f1: DifferenceSummary;
  /** The F1 interval excludes zero. */
  significant: boolean;
  /**
   * McNemar on the test images of this class (right vs wrong: a test of the recall
   * difference), per seed and pooled; Holm over the ten classes.
   */
  mcnemar: McNemarSummary;
}

export interface Part1Seeds {
  seeds: number[];
  level: number;
  models: ModelSeedsSummary[];
  /** top - bottom test accuracy, paired by seed. */
  accuracyDifference: DifferenceSummary | null;
  /** McNemar on all test images, per seed and pooled. */
  mcnemar: PooledMcNemar | null;
  perClass: ClassDifference[] | null;
  observations: Observation[];
  method: string[];
}

export interface VersusBase {
  name: string;
  /** model - base test accuracy, paired by seed. */
  accuracyDifference: DifferenceSummary;
  /** Paired t p-value, Holm-adjusted over the models compared with base. */
  pHolm: number | null;
  /** The accuracy interval excludes zero. */
  significant: boolean;
  /** McNemar of model vs base on all test images (b: model right, base wrong). */
  mcnemar: McNemarSummary;
}

export interface Part2Seeds {
  seeds: number[];
  level: number;
  models: ModelSeedsSummary[];
  versusBase: VersusBase[];
  observations: Observation[];
  method: string[];
}

const withValues = (values: number[]): MetricSummary => ({ ...summarize(values), values });
const difference = (a: number[], b: number[]): DifferenceSummary => ({
  ...pairedDifference(a, b),
  values: a.map((v, i) => v - b[i]!),
});

const f3 = (x: number) => x.toFixed(3);
const f4 = (x: number) => x.toFixed(4);
const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
const ci = (s: Summary, digits: number) =>
  s.ci ? `95% CI ${signed(s.ci[0], digits)} to ${signed(s.ci[1], digits)}` : 'no interval';
const range = (s: Summary, digits: number) =>
  s.ci ? `${s.ci[0].toFixed(digits)}–${s.ci[1].toFixed(digits)}` : 'n/a';

export const POOLING_NOTE = `McNemar's test compares two models on the same test images through the images exactly one of them gets right (b: first right, second wrong; c: the reverse): the chi-square statistic with continuity correction, (|b − c| − 1)² / (b + c) on 1 degree of freedom, or the exact binomial test when b + c < ${EXACT_BELOW}. Pooled over seeds by summing b and c across seeds and testing the sums (the Mantel–Haenszel test for matched pairs stratified by seed): it keeps the direction of the difference, which a Fisher or Stouffer combination of two-sided p-values would lose, and weights each seed by its disputed images. The seeds share the test images, so pooled pairs are not independent across seeds: the pooled p speaks about these test images, while the t intervals over seeds speak about what a new seed would do.`;

function modelSummary(name: string, runs: readonly ModelResult[]): ModelSeedsSummary {
  const per = (pick: (m: ModelResult) => number) => withValues(runs.map(pick));
  return {
    name,
    accuracy: per((m) => m.test.accuracy),
    macroF1: per((m) => m.test.macroAvg.f1),
    classes: CLASS_NAMES.map((cls, c) => ({
      class: cls,
      precision: per((m) => m.test.classes[c]!.precision),
      recall: per((m) => m.test.classes[c]!.recall),
      f1: per((m) => m.test.classes[c]!.f1),
    })),
    epochsRun: per((m) => m.epochsRun),
    bestEpoch: per((m) => m.bestEpoch),
    seconds: per((m) => m.seconds),
  };
}

/** Per model name, its result under each seed (seed order); models missing in a seed are left out. */
function byModel(runs: readonly ModelResult[][], names: readonly string[]) {
  return names
    .map((name) => ({ name, runs: runs.map((r) => r.find((m) => m.name === name)) }))
    .filter((m): m is { name: string; runs: ModelResult[] } =>
      m.runs.every((r) => r !== undefined),
    );
}

const METHOD_COMMON = (n: number) => [
  `Each model was trained under ${n} seeds (initial weights, shuffling and dropout all vary with the seed); figures are means over seeds with their sample standard deviation and a 95% t interval (Student's t with ${n - 1} degrees of freedom). With few seeds that disagree widely an interval can reach past what the metric allows (below 0 or above 1): it is then mostly saying that more seeds are needed.`,
  'Differences between two models are paired by seed (both trained under the same seed) and given with a 95% t interval of the per-seed differences; a difference is called real only when that interval excludes zero. The intervals are not adjusted for the number of classes or models compared; the p-values marked Holm are.',
];

/** A compared model as sentences name it: the study's pair is two halves ("the top half"), an experiment's two named models. */
export function pairMember(name: string): string {
  return name === 'top' || name === 'bottom' ? `the ${name} half` : name;
}

/** Part 1 over seeds: top and bottom, and the differences between them. */
export function part1Seeds(
  seeds: readonly number[],
  runs: readonly ModelResult[][],
  labels: ArrayLike<number>,
  pair: readonly [string, string] = ['top', 'bottom'],
): Part1Seeds {
  const models = byModel(runs, pair);
  const summaries = models.map((m) => modelSummary(m.name, m.runs));
  const top = models.find((m) => m.name === pair[0]);
  const bottom = models.find((m) => m.name === pair[1]);
  const method = [
    ...METHOD_COMMON(seeds.length),
    POOLING_NOTE,
    "Per class, McNemar's test uses that class's test images (right or wrong), so it tests the difference in recall; its pooled p-values are Holm-adjusted over the ten classes.",
  ];
  if (!top || !bottom) {
    return {
      seeds: [...seeds],
      level: DEFAULT_LEVEL,
      models: summaries,
      accuracyDifference: null,
      mcnemar: null,
      perClass: null,
      observations: [],
      method,
    };
  }
  const accuracyDifference = difference(
    top.runs.map((m) => m.test.accuracy),
    bottom.runs.map((m) => m.test.accuracy),
  );
  const mcnemar = pooledMcNemar(
    top.runs.map((t, i) =>
      discordantCounts(labels, t.test.predictions, bottom.runs[i]!.test.predictions),
    ),
  );
  const perClassTests = CLASS_NAMES.map((_, c) =>
    pooledMcNemar(
      top.runs.map((t, i) =>
        discordantCounts(
          labels,
          t.test.predictions,
          bottom.runs[i]!.test.predictions,
          (k) => labels[k] === c,
        ),
      ),
    ),
  );
  const adjusted = holm(perClassTests.map((t) => t.pooled.p));
  const perClass: ClassDifference[] = CLASS_NAMES.map((cls, c) => {
    const metric = (key: 'precision' | 'recall' | 'f1') =>
      difference(
        top.runs.map((m) => m.test.classes[c]![key]),
        bottom.runs.map((m) => m.test.classes[c]![key]),
      );
    const f1 = metric('f1');
    return {
      class: cls,
      precision: metric('precision'),
      recall: metric('recall'),
      f1,
      significant: excludesZero(f1.ci),
      mcnemar: { ...perClassTests[c]!, pooledHolm: adjusted[c]! },
    };
  });
  return {
    seeds: [...seeds],
    level: DEFAULT_LEVEL,
    models: summaries,
    accuracyDifference,
    mcnemar,
    perClass,
    observations: part1Observations(
      seeds.length,
      summaries,
      accuracyDifference,
      mcnemar,
      perClass,
      pair,
    ),
    method,
  };
}

function part1Observations(
  n: number,
  models: readonly ModelSeedsSummary[],
  accuracy: DifferenceSummary,
  mcnemar: PooledMcNemar,
  perClass: readonly ClassDifference[],
  pair: readonly [string, string],
): Observation[] {
  const [top, bottom] = [
    models.find((m) => m.name === pair[0])!,
    models.find((m) => m.name === pair[1])!,
  ];
  const [A, B] = pair;
  const [hA, hB] = [pairMember(A), pairMember(B)];
  const observations: Observation[] = [];
  const pooled = mcnemar.pooled;
  const accuracyReal = excludesZero(accuracy.ci);
  observations.push({
    text: `Over ${n} seeds test accuracy is ${f4(top.accuracy.mean)} (95% CI ${range(top.accuracy, 4)}) from ${hA} and ${f4(bottom.accuracy.mean)} (${range(bottom.accuracy, 4)}) from ${hB}. ${A.charAt(0).toUpperCase()}${A.slice(1)} − ${B}, paired by seed: ${signed(accuracy.mean, 4)} (${ci(accuracy, 4)}); ${
      accuracyReal
        ? `the interval excludes zero, so ${accuracy.mean > 0 ? hA : hB} carries more of the information whatever the seed.`
        : `the interval includes zero, so which ${A === 'top' && B === 'bottom' ? 'half' : 'model'} is better overall is not settled by these seeds.`
    } McNemar on the test images, pooled over seeds: ${A} right and ${B} wrong ${pooled.b.toLocaleString('en-US')}, the reverse ${pooled.c.toLocaleString('en-US')}, p ${formatP(pooled.p)} (${pooled.method}).`,
    facts: {
      seeds: n,
      topAccuracy: top.accuracy.mean,
      bottomAccuracy: bottom.accuracy.mean,
      difference: accuracy.mean,
      differenceLower: accuracy.ci?.[0] ?? Number.NaN,
      differenceUpper: accuracy.ci?.[1] ?? Number.NaN,
      significant: accuracyReal,
      mcnemarB: pooled.b,
      mcnemarC: pooled.c,
      mcnemarP: pooled.p,
    },
  });
  const real = perClass
    .filter((d) => d.significant)
    .sort((a, b) => Math.abs(b.f1.mean) - Math.abs(a.f1.mean));
  const unsettled = perClass.filter((d) => !d.significant);
  observations.push({
    text: `Only differences whose 95% interval over seeds excludes zero are described as real below: ${real.length} of ${perClass.length} classes have a ${A} − ${B} F1 difference that does (${
      real.filter((d) => d.f1.mean > 0).length
    } in favour of ${A}, ${real.filter((d) => d.f1.mean < 0).length} of ${B}).`,
    facts: { seeds: n, realDifferences: real.length, classes: perClass.length },
  });
  for (const d of real) {
    const better = d.f1.mean > 0 ? hA : hB;
    observations.push({
      text: `${d.class}: F1 is higher with ${better} by ${f3(Math.abs(d.f1.mean))} (${A} − ${B} ${signed(d.f1.mean, 3)}, ${ci(d.f1, 3)}); precision ${signed(d.precision.mean, 3)}, recall ${signed(d.recall.mean, 3)}. McNemar on the ${d.class} test images, a test of recall (pooled: ${A} right and ${B} wrong ${d.mcnemar.pooled.b}, the reverse ${d.mcnemar.pooled.c}): p ${formatP(d.mcnemar.pooled.p)}, Holm-adjusted over the ten classes ${formatP(d.mcnemar.pooledHolm ?? Number.NaN)}.`,
      facts: {
        class: d.class,
        f1Difference: d.f1.mean,
        f1Lower: d.f1.ci![0],
        f1Upper: d.f1.ci![1],
        precisionDifference: d.precision.mean,
        recallDifference: d.recall.mean,
        mcnemarP: d.mcnemar.pooled.p,
        mcnemarHolm: d.mcnemar.pooledHolm ?? Number.NaN,
      },
    });
  }
  if (unsettled.length > 0) {
    observations.push({
      text: `Not settled by ${n} seeds (F1 interval includes zero, so the sign of the difference could flip with another seed): ${unsettled
        .map((d) => `${d.class} (${signed(d.f1.mean, 3)})`)
        .join(', ')}.`,
      facts: { classes: unsettled.map((d) => d.class).join(', ') },
    });
  }
  return observations;
}

/** Part 2 over seeds: the four models, and each regulariser against the base model. */
export function part2Seeds(
  seeds: readonly number[],
  runs: readonly ModelResult[][],
  labels: ArrayLike<number>,
  group: readonly string[] = ['base', 'early-stopping', 'batch-norm', 'dropout'],
): Part2Seeds {
  const models = byModel(runs, group);
  const summaries = models.map((m) => modelSummary(m.name, m.runs));
  // Each model is tested against the group's first (the study's: base).
  const first = group[0]!;
  const base = models.find((m) => m.name === first);
  const others = base ? models.filter((m) => m.name !== first) : [];
  const compared = others.map((m) => {
    const accuracyDifference = difference(
      m.runs.map((r) => r.test.accuracy),
      base!.runs.map((r) => r.test.accuracy),
    );
    const mcnemar = pooledMcNemar(
      m.runs.map((r, i) =>
        discordantCounts(labels, r.test.predictions, base!.runs[i]!.test.predictions),
      ),
    );
    return { name: m.name, accuracyDifference, mcnemar };
  });
  const tHolm = holm(
    compared.filter((c) => c.accuracyDifference.p !== null).map((c) => c.accuracyDifference.p!),
  );
  const mHolm = holm(compared.map((c) => c.mcnemar.pooled.p));
  const versusBase: VersusBase[] = compared.map((c, i) => ({
    name: c.name,
    accuracyDifference: c.accuracyDifference,
    pHolm: c.accuracyDifference.p === null ? null : (tHolm[i] ?? null),
    significant: excludesZero(c.accuracyDifference.ci),
    mcnemar: { ...c.mcnemar, pooledHolm: mHolm[i]! },
  }));
  return {
    seeds: [...seeds],
    level: DEFAULT_LEVEL,
    models: summaries,
    versusBase,
    observations: part2Observations(seeds.length, summaries, versusBase, first),
    method: [
      ...METHOD_COMMON(seeds.length),
      `Against ${first === 'base' ? 'the base model' : first}: the paired t test on test accuracy across seeds and McNemar's test pooled over seeds, each with Holm's correction over the ${versusBase.length} models compared with ${first} (step-down: the smallest p times ${versusBase.length}, the next times ${Math.max(1, versusBase.length - 1)}, and so on, kept monotone), which keeps the chance of any false alarm in the family at 5%.`,
      POOLING_NOTE,
    ],
  };
}

function part2Observations(
  n: number,
  models: readonly ModelSeedsSummary[],
  versusBase: readonly VersusBase[],
  base: string,
): Observation[] {
  const observations: Observation[] = [];
  if (models.length > 0) {
    const ranked = [...models].sort((a, b) => b.accuracy.mean - a.accuracy.mean);
    observations.push({
      text: `Mean test accuracy over ${n} seeds (95% CI): ${ranked
        .map((m) => `${m.name} ${f4(m.accuracy.mean)} (${range(m.accuracy, 4)})`)
        .join(', ')}.`,
      facts: Object.fromEntries(ranked.map((m) => [m.name, m.accuracy.mean])),
    });
  }
  if (versusBase.length === 0) return observations;
  const real = versusBase.filter((v) => v.significant);
  observations.push({
    text: `Only differences from ${base === 'base' ? 'the base model' : base} whose 95% interval over seeds excludes zero are described as real: ${
      real.length === 0
        ? 'none is'
        : `${real.map((v) => v.name).join(', ')} ${real.length === 1 ? 'is' : 'are'}`
    }.`,
    facts: { seeds: n, realDifferences: real.length, compared: versusBase.length },
  });
  for (const v of real) {
    const d = v.accuracyDifference;
    observations.push({
      text: `${v.name} ${d.mean > 0 ? 'raises' : 'lowers'} test accuracy against ${base} by ${f4(Math.abs(d.mean))} (${v.name} − ${base} ${signed(d.mean, 4)}, ${ci(d, 4)}); paired t p ${formatP(d.p ?? Number.NaN)}, Holm-adjusted ${formatP(v.pHolm ?? Number.NaN)}; McNemar pooled p ${formatP(v.mcnemar.pooled.p)}, Holm-adjusted ${formatP(v.mcnemar.pooledHolm ?? Number.NaN)}.`,
      facts: {
        model: v.name,
        difference: d.mean,
        lower: d.ci![0],
        upper: d.ci![1],
        pairedTP: d.p ?? Number.NaN,
        pairedTHolm: v.pHolm ?? Number.NaN,
        mcnemarP: v.mcnemar.pooled.p,
        mcnemarHolm: v.mcnemar.pooledHolm ?? Number.NaN,
      },
    });
  }
  const unsettled = versusBase.filter((v) => !v.significant);
  if (unsettled.length > 0) {
    observations.push({
      text: `Not distinguishable from ${base} with ${n} seeds (interval includes zero): ${unsettled
        .map((v) =>
          v.accuracyDifference.values.every((x) => x === 0)
            ? `${v.name} (the same test accuracy as ${base} under every seed)`
            : `${v.name} (${signed(v.accuracyDifference.mean, 4)}, ${ci(v.accuracyDifference, 4)})`,
        )
        .join(', ')}.`,
      facts: { models: unsettled.map((v) => v.name).join(', ') },
    });
  }
  return observations;
}
