/** How explain writes numbers, shapes and optimizer rows, in its text and on its page. */
import type { OptimizerEntry } from './optimizer-step.js';

/** A number in 4 significant digits, or in exponent form when very small or large. */
export function num(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const a = Math.abs(x);
  // toPrecision pads with zeros (1.000); a reader compares digits more easily without them.
  if (a >= 1e-3 && a < 1e5) return trimZeros(x.toPrecision(4));
  return x.toExponential(2);
}

/** Six significant digits, to compare two computations of the same step (Δw). */
export function precise(x: number): string {
  if (x === 0) return '0';
  return x.toExponential(5);
}

function trimZeros(text: string): string {
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}

/** A figure that is compared against a bound: always exponent form, e.g. 3.1e-9. */
export function sci(x: number): string {
  if (x === 0) return '0';
  return x.toExponential(1);
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** One entry of the optimizer step as table cells, the same in the terminal and on the page. */
export function optimizerRow(e: OptimizerEntry, adam: boolean): string[] {
  return [
    e.weight,
    shapeText(e.index),
    num(e.w),
    num(e.g),
    ...(adam ? [num(e.m!), num(e.v!), num(e.mHat!), num(e.vHat!)] : []),
    precise(e.deltaFormula),
    precise(e.deltaEngine),
    e.deltaReference === null ? '-' : precise(e.deltaReference),
  ];
}
