/**
 * The layer types the engine builds, in the order messages list them. Everything that needs to
 * know about a layer type (the builder in sequential.ts, Keras's names, the TF.js Layers format,
 * explain's formulas, the lab page) loops over this list or looks a type up here.
 */
import { InvalidArgumentError } from '../errors.js';
import type { LayerSpec } from '../spec.js';
import { batchNormalizationType } from './batch-normalization.js';
import { denseType } from './dense.js';
import { dropoutType } from './dropout.js';
import { flattenType } from './flatten.js';
import type { LayerType } from './layer-type.js';

export const LAYER_TYPES: readonly LayerType[] = [
  flattenType,
  denseType,
  batchNormalizationType,
  dropoutType,
] as LayerType[];

const BY_TYPE = new Map(LAYER_TYPES.map((t) => [t.type as string, t]));
const BY_KERAS_CLASS = new Map(LAYER_TYPES.map((t) => [t.kerasClass, t]));

/** The registered type of a spec's layer; an unknown type is refused, naming the known ones. */
export function layerType<S extends LayerSpec>(spec: S | S['type']): LayerType<S> {
  const type = typeof spec === 'string' ? spec : spec.type;
  const found = BY_TYPE.get(type);
  if (!found) {
    throw new InvalidArgumentError(
      `unknown layer type '${type}'; use ${orList(LAYER_TYPES.map((t) => `'${t.type}'`))}.`,
    );
  }
  return found as unknown as LayerType<S>;
}

/** The registered type of a Keras class name (`Dense`), if the engine builds it. */
export function layerTypeOfKerasClass(kerasClass: string): LayerType | undefined {
  return BY_KERAS_CLASS.get(kerasClass);
}

/** "a, b, c or d". */
function orList(items: readonly string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** What loads into the engine, for messages: "Flatten, Dense (...), BatchNormalization and Dropout". */
export const LOADABLE_LAYERS = (() => {
  const items = LAYER_TYPES.map((t) => t.loads);
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
})();
