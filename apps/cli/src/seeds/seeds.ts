/** `--seeds N`: run every experiment under N seeds derived from `--seed` (@fmnist/study's deriveSeeds). */

import { MAX_SEEDS } from '@fmnist/study';
import { InvalidArgumentError, Option } from 'commander';

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
