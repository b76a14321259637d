import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReportInputError } from '../src/errors.js';
import { intervalChart } from '../src/stats-charts.js';

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('intervalChart', () => {
  const points = [
    { group: 'Trouser', series: 'top', mean: 0.9, lower: 0.88, upper: 0.92 },
    { group: 'Trouser', series: 'bottom', mean: 0.95, lower: 0.94, upper: 0.96 },
    { group: 'Bag', series: 'top', mean: 0.8, lower: 0.7, upper: 0.85 },
    { group: 'Bag', series: 'bottom', mean: 0.82, lower: 0.8, upper: 0.85 },
  ];

  it('draws a point per mean and an errorbar per interval, with a zero rule when asked', async () => {
    const chart = await intervalChart(points, { title: 'F1', yTitle: 'F1', zeroRule: true });
    if (process.env.FMNIST_CHART_PNG) writeFileSync(process.env.FMNIST_CHART_PNG, chart.png);
    expect(chart.warnings).toEqual([]);
    expect(chart.svg).toContain('>Trouser<');
    expect(chart.svg).toContain('>bottom<');
    expect(count(chart.svg, 'aria-roledescription="point"')).toBe(4);
    // The errorbar mark is a rule per interval plus two ticks; the zero rule is one more rule.
    const spec = JSON.stringify(chart.spec);
    expect(spec).toContain('"errorbar"');
    expect(count(chart.svg, 'aria-roledescription="rule mark container"')).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('refuses an empty chart and non-finite ends', async () => {
    await expect(intervalChart([], { title: 't', yTitle: 'y' })).rejects.toThrow(ReportInputError);
    await expect(
      intervalChart([{ ...points[0]!, lower: Number.NaN }], { title: 't', yTitle: 'y' }),
    ).rejects.toThrow(/not a finite number/);
  });
});
