/**
 * Charts of repeated runs: a point at each mean over seeds and a Vega-Lite errorbar mark for
 * its confidence interval, so a reader sees at once which intervals overlap (and, on a chart
 * of differences, which cross zero).
 */
import type { TopLevelSpec } from 'vega-lite';
import { type Chart, renderVegaLite } from './charts.js';
import { ReportInputError } from './errors.js';
import { FONT_FAMILY } from './render.js';

export interface IntervalPoint {
  /** Where on the x axis, e.g. a class or a model name. */
  group: string;
  /** Which series (colour), e.g. "top" / "bottom"; one series if all alike. */
  series: string;
  mean: number;
  /** The interval's ends; equal to the mean when there is no interval (a single seed). */
  lower: number;
  upper: number;
}

export interface IntervalChartOptions {
  title: string;
  yTitle: string;
  xTitle?: string;
  /** Draw a rule at y = 0 (for charts of differences). */
  zeroRule?: boolean;
  /** Order of the groups on the x axis; default: first appearance. */
  groups?: readonly string[];
  width?: number;
  height?: number;
}

const COLOURS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2'];

/** Means with interval error bars, per group and series (series side by side in a group). */
export async function intervalChart(
  points: readonly IntervalPoint[],
  options: IntervalChartOptions,
): Promise<Chart> {
  if (points.length === 0) {
    throw new ReportInputError(
      'intervalChart: no points; pass at least one mean with its interval.',
    );
  }
  const bad = points.find((p) => ![p.mean, p.lower, p.upper].every(Number.isFinite));
  if (bad) {
    throw new ReportInputError(
      `intervalChart: ${bad.group}/${bad.series} has a mean or interval end that is not a finite number.`,
    );
  }
  const groups = options.groups ?? [...new Set(points.map((p) => p.group))];
  const series = [...new Set(points.map((p) => p.series))];
  const x = {
    field: 'group',
    type: 'nominal' as const,
    sort: [...groups],
    title: options.xTitle ?? null,
    axis: { labelAngle: groups.some((g) => g.length > 6) ? -30 : 0 },
  };
  const xOffset = { field: 'series', type: 'nominal' as const, sort: series };
  const color = {
    field: 'series',
    type: 'nominal' as const,
    sort: series,
    title: null,
    scale: { domain: series, range: COLOURS.slice(0, series.length) },
    legend: series.length > 1 ? {} : null,
  };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: options.width ?? Math.max(240, groups.length * (series.length > 1 ? 64 : 48)),
    height: options.height ?? 240,
    data: { values: points.map((p) => ({ ...p })) },
    layer: [
      ...(options.zeroRule
        ? [
            {
              data: { values: [{ zero: 0 }] },
              mark: { type: 'rule' as const, color: '#888', strokeDash: [4, 3] },
              encoding: { y: { field: 'zero', type: 'quantitative' as const } },
            },
          ]
        : []),
      {
        mark: { type: 'errorbar' as const, ticks: { size: 10 }, thickness: 1.5 },
        encoding: {
          x,
          xOffset,
          y: {
            field: 'lower',
            type: 'quantitative' as const,
            title: options.yTitle,
            scale: { zero: false },
          },
          y2: { field: 'upper' },
          color,
        },
      },
      {
        mark: { type: 'point' as const, filled: true, size: 50, tooltip: true },
        encoding: { x, xOffset, y: { field: 'mean', type: 'quantitative' as const }, color },
      },
    ],
    config: {
      font: FONT_FAMILY,
      view: { stroke: null },
      axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
      legend: { labelFontSize: 11, titleFontSize: 12 },
      title: { fontSize: 14, anchor: 'start', offset: 10 },
    },
  };
  return renderVegaLite(spec);
}
