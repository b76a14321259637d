/**
 * Where each piece of the engine's maths is written down: the FORMULA constant at the top of
 * its module in packages/nn (forward and backward side by side, the maths of both on top; see
 * docs/architecture.md). The explanation quotes that constant word for word rather than keeping
 * a copy that could drift: each layer type's comes from the layer registry, so a new type is
 * explained without a line here.
 */
import { LAYER_TYPES, LOSS_FORMULA, OPTIMIZER_FORMULA, SEQUENTIAL_FORMULA } from '@fmnist/nn';

/** A module of packages/nn and the maths at its top. */
export interface SourceFormula {
  /** The file, relative to the repository root, e.g. `packages/nn/src/layers/dense.ts`. */
  path: string;
  /** The maths, line by line. */
  formula: string[];
}

const SOURCES: Readonly<Record<string, { file: string; formula: string }>> = {
  ...Object.fromEntries(
    LAYER_TYPES.map((t) => [t.kerasClass, { file: t.file, formula: t.formula }]),
  ),
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
      `No formula is known for '${key}'; register the layer type in packages/nn/src/layers/registry.ts.`,
    );
  }
  return { path: `packages/nn/src/${source.file}`, formula: source.formula.split('\n') };
}
