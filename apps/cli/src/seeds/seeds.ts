/**
 * `--seeds N`: run every experiment under N seeds. The seeds are derived from `--seed`
 * deterministically, the first being `--seed` itself, so `--seeds 1` is the ordinary run and
 * `--seeds 5` repeats it and adds four more; the same command always trains the same models.
 */
import { InvalidArgumentError, Option } from 'commander';

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

function seedCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > MAX_SEEDS) {
    throw new InvalidArgumentError(
      `It must be a whole number from 1 to ${MAX_SEEDS} (how many seeds to train each model with).`,
    );
  }
  return n;
}

/** The `--seeds <n>` option of part1, part2 and study. */
export function seedsOption(): Option {
  return new Option(
    '--seeds <n>',
    'train each model under N seeds derived from --seed (in parallel, one worker per core) and report means, 95% confidence intervals and significance tests',
  )
    .argParser(seedCount)
    .default(1);
}
