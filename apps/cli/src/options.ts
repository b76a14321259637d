/**
 * The options several commands share, defined once: same flag, same help text, same
 * validation everywhere. A command lists the ones it takes by name (see commands/).
 *
 * Values are checked as they are parsed; a bad one stops the run before anything starts,
 * with one line and exit status 2 (see errors.ts).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';

export const ENGINES = ['custom', 'tf'] as const;
export type Engine = (typeof ENGINES)[number];

/** The parsed values of the shared options (those a command did not take are undefined). */
export interface CommonOptions {
  /** Print one JSON document on stdout instead of text. */
  json: boolean;
  engine: Engine;
  seed: number;
  /** Where figures and the report are written. */
  out: string;
  dataDir: string | undefined;
  limit: number | undefined;
  epochs: number | undefined;
}

export type CommonOptionName = keyof CommonOptions;

export const DEFAULT_SEED = 42;
export const DEFAULT_OUT = 'fmnist-report';

function wholeNumber(what: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  const range = max === Number.MAX_SAFE_INTEGER ? `of ${min} or more` : `from ${min} to ${max}`;
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`It must be a whole number ${range} (${what}).`);
    }
    return n;
  };
}

function nonEmpty(what: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`It must name ${what}.`);
    return value;
  };
}

/** How each shared option is declared to commander. */
const DEFINITIONS: Record<CommonOptionName, () => Option> = {
  json: () =>
    new Option('--json', 'print one JSON document on stdout (progress and logs go to stderr)'),
  engine: () =>
    new Option(
      '--engine <engine>',
      'which engine trains: custom (gpu.js kernels) or tf (TensorFlow.js)',
    )
      .choices(ENGINES)
      .default('custom'),
  seed: () =>
    new Option('--seed <n>', 'seed for weights, shuffling and dropout')
      .argParser(wholeNumber('the random seed', 0, 2 ** 32 - 1))
      .default(DEFAULT_SEED),
  out: () =>
    new Option('--out <dir>', 'folder for figures and the report')
      .argParser(nonEmpty('a folder'))
      .default(DEFAULT_OUT),
  dataDir: () =>
    new Option(
      '--data-dir <dir>',
      'folder with the four Fashion-MNIST files (default: $FASHION_MNIST_DIR, the user cache ($XDG_CACHE_HOME or ~/.cache)/fmnist-lab, /usr/share/datasets/fashion-mnist, else download)',
    ).argParser(nonEmpty('a folder')),
  limit: () =>
    new Option('--limit <n>', 'use only the first N training images, for a quick run').argParser(
      wholeNumber('how many training images to use', 1),
    ),
  epochs: () =>
    new Option('--epochs <n>', 'override the number of epochs').argParser(
      wholeNumber('the number of epochs', 1, 10_000),
    ),
};

/** Adds the named shared options to a command, in the order given. */
export function addCommonOptions(command: Command, names: readonly CommonOptionName[]): void {
  for (const name of names) command.addOption(DEFINITIONS[name]());
}
