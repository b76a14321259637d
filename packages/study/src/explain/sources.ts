/**
 * Where each piece of the engine's maths is written down: the FORMULA constant at the top of
 * its module in packages/nn (STYLE.md: forward and backward side by side, the maths of both on
 * top). The explanation quotes that constant word for word rather than keeping a copy that could
 * drift, and it is imported, so moving a file cannot silently drop it.
 */
import {
  BATCH_NORMALIZATION_FORMULA,
  DENSE_FORMULA,
  DROPOUT_FORMULA,
  FLATTEN_FORMULA,
  LOSS_FORMULA,
  OPTIMIZER_FORMULA,
  SEQUENTIAL_FORMULA,
} from '@fmnist/nn';

/** A module of packages/nn and the maths at its top. */
export interface SourceFormula {
  /** The file, relative to the repository root, e.g. `packages/nn/src/layers/dense.ts`. */
  path: string;
  /** The maths, line by line. */
  formula: string[];
}

const SOURCES: Readonly<Record<string, { file: string; formula: string }>> = {
  Flatten: { file: 'layers/flatten.ts', formula: FLATTEN_FORMULA },
  Dense: { file: 'layers/dense.ts', formula: DENSE_FORMULA },
  BatchNormalization: {
    file: 'layers/batch-normalization.ts',
    formula: BATCH_NORMALIZATION_FORMULA,
  },
  Dropout: { file: 'layers/dropout.ts', formula: DROPOUT_FORMULA },
  loss: { file: 'losses.ts', formula: LOSS_FORMULA },
  optimizer: { file: 'optimizers.ts', formula: OPTIMIZER_FORMULA },
  model: { file: 'sequential.ts', formula: SEQUENTIAL_FORMULA },
};

/** What `sourceFormula` can look up: a layer's class name, or `loss`, `optimizer`, `model`. */
export type SourceKey = keyof typeof SOURCES | string;

/** The module of a layer class (or the loss, the optimizers, the model) and its maths. */
export function sourceFormula(key: SourceKey): SourceFormula {
  const source = SOURCES[key];
  if (!source) {
    throw new RangeError(
      `No formula is known for '${key}'; add it to SOURCES in packages/study/src/explain/sources.ts.`,
    );
  }
  return { path: `packages/nn/src/${source.file}`, formula: source.formula.split('\n') };
}
