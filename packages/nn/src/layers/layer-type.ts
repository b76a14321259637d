import type { LayerSpec } from '../spec.js';
import type { Layer, LayerContext } from './layer.js';

/** What reading a Keras config may say when it cannot be loaded. */
export interface ConfigReader {
  /** Stops the read: `why` completes "layer 1 'dense' (Dense) ..." (e.g. "has units 0; ..."). */
  fail(why: string): never;
  /** A value from the file as a message shows it: JSON, cut short. */
  show(value: unknown): string;
}

/**
 * Everything the engine knows about one layer type, written once, in the layer's own file, and
 * listed in registry.ts. The model builder, Keras's layer names, the TF.js Layers format, the
 * summary, explain and the lab page read it from there rather than switching on the type, so a
 * new layer type is one file here, one builder in packages/tf, and their tests
 * (docs/architecture.md walks through it).
 */
export interface LayerType<S extends LayerSpec = LayerSpec> {
  /** The spec's `type`: `dense`. */
  readonly type: S['type'];
  /** Keras's class name, in summaries, the TF.js Layers format and explain: `Dense`. */
  readonly kerasClass: string;
  /** The base of Keras's automatic names: `dense` gives dense, dense_1, dense_2, ... */
  readonly baseName: string;
  /** The module that implements it, relative to packages/nn/src (explain links to it). */
  readonly file: string;
  /** The maths of forward and backward, quoted by explain and the lab page. */
  readonly formula: string;
  /** How a list of what loads names it: `Dense (relu, softmax or linear)`. */
  readonly loads: string;
  /** Builds the layer for samples of `inputShape`; its random draws come from `ctx.rng`. */
  build(spec: S, name: string, inputShape: readonly number[], ctx: LayerContext): Layer;
  /** Its weights' short names, in Keras order (`kernel`, `bias`). */
  weightNames(spec: S): string[];
  /**
   * From the shapes alone, nothing built: how many numbers its weights hold and how many
   * values per sample it outputs, for `inputSize` values per sample in.
   */
  sizes(spec: S, inputSize: number): { weights: number; outputSize: number };
  /** Its config as Keras and TF.js write it into model.json (snake_case keys). */
  toConfig(spec: S, name: string): Record<string, unknown>;
  /** Its spec from a config read from a model.json; refuses what the engine cannot build. */
  fromConfig(config: Record<string, unknown>, read: ConfigReader): S;
  /**
   * A spec of this type with its options away from their defaults, where it has any: what the
   * registry's tests (here and in packages/tf) build, save, load and compare for every type.
   */
  readonly example: S;
}
