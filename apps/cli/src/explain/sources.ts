/**
 * Where each layer's maths is written down: the comment at the top of its source file in
 * packages/nn (STYLE.md: forward and backward side by side, the maths of both on top). The
 * explanation quotes that comment word for word rather than keeping a copy that could drift.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/** A source file of packages/nn and the maths comment at its top. */
export interface SourceFormula {
  /** The file, relative to the repository root, e.g. `packages/nn/src/layers/dense.ts`. */
  path: string;
  /** The comment's lines without the leading ` * `; null when the source is not installed. */
  formula: string[] | null;
}

/** The file of packages/nn/src that holds each piece of the engine, by Keras class name. */
const SOURCE_FILES: Readonly<Record<string, string>> = {
  Flatten: 'layers/flatten.ts',
  Dense: 'layers/dense.ts',
  BatchNormalization: 'layers/batch-normalization.ts',
  Dropout: 'layers/dropout.ts',
  loss: 'losses.ts',
  optimizer: 'optimizers.ts',
  model: 'sequential.ts',
};

/** What `sourceFormula` can look up: a layer's class name, or `loss`, `optimizer`, `model`. */
export type SourceKey = keyof typeof SOURCE_FILES | string;

let roots: { nn: string; repo: string } | undefined;

/**
 * packages/nn's folder, found the way Node finds the package (so it works from src/ under
 * vitest and from dist/ when built), and the repository root above it (the folder with
 * pnpm-workspace.yaml).
 */
function findRoots(): { nn: string; repo: string } {
  if (roots) return roots;
  // .../packages/nn/dist/index.js -> .../packages/nn
  const entry = createRequire(import.meta.url).resolve('@fmnist/nn');
  const nn = dirname(dirname(realpathSync(entry)));
  let repo = nn;
  while (!existsSync(join(repo, 'pnpm-workspace.yaml')) && dirname(repo) !== repo) {
    repo = dirname(repo);
  }
  if (!existsSync(join(repo, 'pnpm-workspace.yaml'))) repo = dirname(dirname(nn));
  roots = { nn, repo };
  return roots;
}

/** The lines of the first `/** ... *\/` comment of a TypeScript file, ` * ` stripped. */
export function leadingComment(source: string): string[] | null {
  const match = /^\s*\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!match) return null;
  const lines = match[1]!.split('\n').map((line) => line.replace(/^\s*\* ?/, '').trimEnd());
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

const cache = new Map<string, SourceFormula>();

/** The source file of a layer class (or the loss, the optimizers, the model) and its maths. */
export function sourceFormula(key: SourceKey): SourceFormula {
  const cached = cache.get(key);
  if (cached) return cached;
  const file = SOURCE_FILES[key];
  if (!file) {
    throw new RangeError(
      `No source file is known for '${key}'; add it to SOURCE_FILES in explain/sources.ts.`,
    );
  }
  const { nn, repo } = findRoots();
  const absolute = join(nn, 'src', file);
  const result: SourceFormula = {
    path: relative(repo, absolute).split('\\').join('/'),
    formula: existsSync(absolute) ? leadingComment(readFileSync(absolute, 'utf8')) : null,
  };
  cache.set(key, result);
  return result;
}
