/**
 * The report's "over N seeds" sections and their terminal text: tables of means, standard
 * deviations and 95% intervals, the paired differences with their tests, and charts with
 * error bars (packages/reports' intervalChart). Every number here is also in the JSON.
 */

import type { McNemarResult } from '@fmnist/reports';
import {
  type Block,
  formatP,
  type IntervalPoint,
  intervalChart,
  type Observation,
  renderTableText,
  type Section,
  type Summary,
  type Table,
} from '@fmnist/reports';
import {
  type DifferenceSummary,
  type ModelSeedsSummary,
  type Part1Seeds,
  type Part2Seeds,
  pairMember,
  type SeedsLabel,
  type SeedsResult,
} from '../index.js';
import { figure, paragraph } from './figures.js';

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
const meanSd = (s: Summary, digits: number) =>
  s.sd === null ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
const interval = (s: Summary, digits: number, sign = false) => {
  if (!s.ci) return 'n/a';
  const f = (x: number) => (sign ? signed(x, digits) : x.toFixed(digits));
  return `${f(s.ci[0])} to ${f(s.ci[1])}`;
};

function table(caption: string, header: string[], rows: string[][], highlight?: boolean[]): Table {
  return {
    caption,
    columns: header.map((h, i) => ({ header: h, align: i === 0 ? 'left' : 'right' })),
    rows: rows.map((r, i) =>
      r.map((text, c) => ({ text, ...(highlight?.[i] && c === 0 ? { highlight: true } : {}) })),
    ),
    ...(highlight?.some(Boolean)
      ? { highlightNote: 'the interval of the difference excludes zero' }
      : {}),
  };
}

/** Points for a chart: the mean, and its interval (the mean itself when there is none). */
function point(group: string, series: string, s: Summary): IntervalPoint {
  return { group, series, mean: s.mean, lower: s.ci?.[0] ?? s.mean, upper: s.ci?.[1] ?? s.mean };
}

export function modelsTable(caption: string, models: readonly ModelSeedsSummary[]): Table {
  return table(
    caption,
    [
      'model',
      'accuracy mean ± sd',
      'accuracy 95% CI',
      'macro F1 mean ± sd',
      'macro F1 95% CI',
      'epochs run',
      'seconds',
    ],
    models.map((m) => [
      m.name,
      meanSd(m.accuracy, 4),
      interval(m.accuracy, 4),
      meanSd(m.macroF1, 4),
      interval(m.macroF1, 4),
      m.epochsRun.mean.toFixed(1),
      m.seconds.mean.toFixed(1),
    ]),
  );
}

export function perClassTable(model: ModelSeedsSummary): Table {
  const cell = (s: Summary) => `${meanSd(s, 3)} (${interval(s, 3)})`;
  return table(
    `${model.name}: per class over seeds, mean ± sd (95% CI)`,
    ['class', 'precision', 'recall', 'F1'],
    model.classes.map((c) => [c.class, cell(c.precision), cell(c.recall), cell(c.f1)]),
  );
}

function mcnemarRows(
  seeds: readonly number[],
  perSeed: readonly McNemarResult[],
  pooled: McNemarResult,
) {
  const row = (label: string, t: McNemarResult) => [
    label,
    String(t.b),
    String(t.c),
    t.statistic === null ? 'n/a' : t.statistic.toFixed(2),
    t.method,
    formatP(t.p),
  ];
  return [...perSeed.map((t, i) => row(`seed ${seeds[i]}`, t)), row('pooled (summed)', pooled)];
}

const diffCell = (d: DifferenceSummary, digits: number) =>
  `${signed(d.mean, digits)} (${interval(d, digits, true)})`;

export function part1DifferenceTable(result: Part1Seeds): Table | null {
  if (!result.perClass) return null;
  const [A, B] = pairNames(result);
  return table(
    `${capital(A)} − ${B} per class, paired by seed: mean (95% CI); McNemar on the class's test images, pooled over ${result.seeds.length} seeds`,
    ['class', 'F1', 'precision', 'recall', 'McNemar b / c', 'p', 'p (Holm)'],
    result.perClass.map((d) => [
      d.class,
      diffCell(d.f1, 3),
      diffCell(d.precision, 3),
      diffCell(d.recall, 3),
      `${d.mcnemar.pooled.b} / ${d.mcnemar.pooled.c}`,
      formatP(d.mcnemar.pooled.p),
      formatP(d.mcnemar.pooledHolm ?? Number.NaN),
    ]),
    result.perClass.map((d) => d.significant),
  );
}

export function part2VersusBaseTable(result: Part2Seeds): Table | null {
  if (result.versusBase.length === 0) return null;
  const base = result.models[0]?.name ?? 'base';
  return table(
    `Against ${base}, paired by seed: test accuracy difference (model − ${base}) with its 95% CI and paired t test; McNemar pooled over ${result.seeds.length} seeds (b: model right, ${base} wrong); Holm over ${result.versusBase.length} comparisons`,
    [
      'model',
      `accuracy − ${base}`,
      '95% CI',
      't p',
      't p (Holm)',
      'McNemar b / c',
      'p',
      'p (Holm)',
    ],
    result.versusBase.map((v) => [
      v.name,
      signed(v.accuracyDifference.mean, 4),
      interval(v.accuracyDifference, 4, true),
      formatP(v.accuracyDifference.p ?? Number.NaN),
      formatP(v.pHolm ?? Number.NaN),
      `${v.mcnemar.pooled.b} / ${v.mcnemar.pooled.c}`,
      formatP(v.mcnemar.pooled.p),
      formatP(v.mcnemar.pooledHolm ?? Number.NaN),
    ]),
    result.versusBase.map((v) => v.significant),
  );
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
function pairNames(result: Part1Seeds): [string, string] {
  return [result.models[0]?.name ?? 'top', result.models[1]?.name ?? 'bottom'];
}

const observationsBlock = (items: readonly Observation[]): Block => ({
  type: 'observations',
  items,
});

export async function part1SeedsSection(
  result: Part1Seeds,
  label: SeedsLabel = { title: 'Part 1', id: 'part1' },
): Promise<Section> {
  const n = result.seeds.length;
  const [A, B] = pairNames(result);
  const blocks: Block[] = [
    paragraph(
      `Every model of ${label.title} was trained under ${n} seeds (${result.seeds.join(', ')}); the single run above is the first seed's. The figures below are means over the seeds with their spread, and the written observations describe only differences whose 95% interval excludes zero.`,
    ),
    { type: 'table', table: modelsTable(`${label.title} over ${n} seeds`, result.models) },
    ...result.models.map((m): Block => ({ type: 'table', table: perClassTable(m) })),
  ];
  if (result.models.length > 0) {
    const classes = result.models[0]!.classes.map((c) => c.class);
    blocks.push(
      figure(
        `seeds-${label.id}-f1`,
        await intervalChart(
          result.models.flatMap((m) => m.classes.map((c) => point(c.class, m.name, c.f1))),
          { title: `F1 per class over ${n} seeds (mean, 95% CI)`, yTitle: 'F1', groups: classes },
        ),
        `F1 per class, ${A} and ${B}: the point is the mean over ${n} seeds, the bar its 95% t interval.`,
      ),
    );
  }
  const differences = part1DifferenceTable(result);
  if (differences && result.perClass && result.mcnemar) {
    blocks.push(
      { type: 'table', table: differences },
      figure(
        `seeds-${label.id}-f1-difference`,
        await intervalChart(
          result.perClass.map((d) => point(d.class, `${A} − ${B}`, d.f1)),
          {
            title: `F1 difference ${A} − ${B} per class (mean, 95% CI, ${n} seeds)`,
            yTitle: `F1 ${A} − ${B}`,
            zeroRule: true,
          },
        ),
        `Above zero: ${pairMember(A)} does better on that class; a bar that crosses the dashed zero line is a difference these seeds do not settle.`,
      ),
      {
        type: 'table',
        table: table(
          `McNemar, ${A} vs ${B} on all test images (b: ${A} right, ${B} wrong; c: the reverse)`,
          ['run', 'b', 'c', 'chi² (corrected)', 'test', 'p'],
          mcnemarRows(result.seeds, result.mcnemar.perSeed, result.mcnemar.pooled),
        ),
      },
    );
  }
  blocks.push(observationsBlock(result.observations), { type: 'list', items: result.method });
  return { heading: `${label.title} over ${n} seeds: which differences are real`, blocks };
}

export async function part2SeedsSection(
  result: Part2Seeds,
  label: SeedsLabel = { title: 'Part 2', id: 'part2' },
): Promise<Section> {
  const n = result.seeds.length;
  const base = result.models[0]?.name ?? 'base';
  const blocks: Block[] = [
    paragraph(
      `Every model of ${label.title} was trained under ${n} seeds (${result.seeds.join(', ')}); the single runs above are the first seed's. The written observations describe only differences whose 95% interval excludes zero.`,
    ),
    { type: 'table', table: modelsTable(`${label.title} over ${n} seeds`, result.models) },
    ...result.models.map((m): Block => ({ type: 'table', table: perClassTable(m) })),
  ];
  if (result.models.length > 0) {
    blocks.push(
      figure(
        `seeds-${label.id}-accuracy`,
        await intervalChart(
          result.models.map((m) => point(m.name, 'test accuracy', m.accuracy)),
          { title: `Test accuracy over ${n} seeds (mean, 95% CI)`, yTitle: 'test accuracy' },
        ),
        `Test accuracy of each ${label.title} model: the mean over ${n} seeds and its 95% t interval.`,
      ),
    );
  }
  const versus = part2VersusBaseTable(result);
  if (versus) {
    blocks.push(
      { type: 'table', table: versus },
      figure(
        `seeds-${label.id}-versus-base`,
        await intervalChart(
          result.versusBase.map((v) => point(v.name, `model − ${base}`, v.accuracyDifference)),
          {
            title: `Test accuracy against ${base} (paired by seed, 95% CI, ${n} seeds)`,
            yTitle: `accuracy − ${base}`,
            zeroRule: true,
          },
        ),
        `Below zero: lower test accuracy than ${base === 'base' ? 'the base model' : base}; a bar crossing the dashed zero line is not a difference these seeds settle.`,
      ),
    );
  }
  blocks.push(observationsBlock(result.observations), { type: 'list', items: result.method });
  return { heading: `${label.title} over ${n} seeds: which differences are real`, blocks };
}

const bullets = (items: readonly Observation[]) => items.map((o) => `- ${o.text}`).join('\n');
const rule = (title: string) => `${title}\n${'='.repeat(title.length)}`;

export function part1SeedsText(result: Part1Seeds, title = 'Part 1'): string {
  const parts = [
    rule(`${title} over ${result.seeds.length} seeds (${result.seeds.join(', ')})`),
    renderTableText(modelsTable('Test accuracy and macro F1', result.models)).trimEnd(),
  ];
  const differences = part1DifferenceTable(result);
  if (differences) parts.push(renderTableText(differences).trimEnd());
  parts.push(bullets(result.observations));
  return parts.join('\n\n');
}

export function part2SeedsText(result: Part2Seeds, title = 'Part 2'): string {
  const parts = [
    rule(`${title} over ${result.seeds.length} seeds (${result.seeds.join(', ')})`),
    renderTableText(modelsTable('Test accuracy and macro F1', result.models)).trimEnd(),
  ];
  const versus = part2VersusBaseTable(result);
  if (versus) parts.push(renderTableText(versus).trimEnd());
  parts.push(bullets(result.observations));
  return parts.join('\n\n');
}

function seedsHeader(seeds: SeedsResult): string {
  return `Each model was trained under ${seeds.seeds.length} seeds (${seeds.seeds.join(', ')}), ${seeds.workers} at a time, in ${seeds.seconds.toFixed(0)} s of wall time. The sections above show the first seed's runs; here are the means over seeds, their 95% confidence intervals, and the tests that say which differences are larger than what a change of seed does.`;
}

/** "Over N seeds": each comparison's, then each part's statistics, tables and charts. */
export async function seedsSection(seeds: SeedsResult): Promise<Section> {
  const sections: Section[] = [];
  for (const c of seeds.comparisons) {
    if (c.pair) sections.push(await part1SeedsSection(c.pair, c.label));
    if (c.group) sections.push(await part2SeedsSection(c.group, c.label));
  }
  // A part whose models were all left out (--model) has nothing to show.
  const { part1, part2 } = seeds;
  if (part1 && part1.models.length > 0) sections.push(await part1SeedsSection(part1));
  if (part2 && part2.models.length > 0) sections.push(await part2SeedsSection(part2));
  return {
    heading: `Over ${seeds.seeds.length} seeds: which conclusions hold`,
    blocks: [{ type: 'paragraph', text: seedsHeader(seeds) }],
    sections,
  };
}

/** The same for the terminal. */
export function seedsText(seeds: SeedsResult): string {
  const { part1, part2 } = seeds;
  return [
    seedsHeader(seeds),
    ...(part1 && part1.models.length > 0 ? [part1SeedsText(part1)] : []),
    ...(part2 && part2.models.length > 0 ? [part2SeedsText(part2)] : []),
    ...seeds.comparisons.map((c) =>
      c.pair ? part1SeedsText(c.pair, c.label.title) : part2SeedsText(c.group!, c.label.title),
    ),
  ].join('\n\n');
}
