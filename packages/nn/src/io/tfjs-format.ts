/**
 * TensorFlow.js's Layers format, both ways, as bytes (no file system here: it runs in a page as
 * in Node; `@fmnist/nn/node` reads and writes the folders).
 *
 * A saved model is a folder of two kinds of file:
 *
 *   model.json               { format: "layers-model", generatedBy, convertedBy,
 *                              modelTopology: the Keras model config (class_name "Sequential",
 *                              config: { name, layers: [{ class_name, config }, ...] }),
 *                              weightsManifest: [{ paths: [shard files], weights: [{ name,
 *                              shape, dtype }] }] }
 *   group1-shard1of1.bin     every weight as float32 little-endian, in the manifest's order
 *
 * That is what `tf.loadLayersModel` reads in Node and in browsers, what a TF.js model's
 * `model.save('file://…')` writes (it calls its shard `weights.bin`), and what
 * `tensorflowjs_converter --input_format tfjs_layers_model --output_format keras` turns into a
 * Keras model. Weights are matched by name (`<layer>/<weight>`), never by position: TF.js
 * lists trainable weights first, this engine lists each layer's weights together.
 */
import { JsBackend } from '@fmnist/core';
import { ModelFileError } from '../errors.js';
import type { LayerType } from '../layers/layer-type.js';
import { LOADABLE_LAYERS, layerType, layerTypeOfKerasClass } from '../layers/registry.js';
import { Sequential } from '../sequential.js';
import type { LayerSpec, ModelSpec } from '../spec.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_SHARD = 'group1-shard1of1.bin';

export interface WeightManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightManifestEntry[];
}

/** model.json as this module writes it (and the parts of it that it reads). */
export interface LayersModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: {
    class_name: 'Sequential';
    config: { name: string; layers: { class_name: string; config: Record<string, unknown> }[] };
    keras_version: string;
    backend: string;
  };
  weightsManifest: WeightsManifestGroup[];
  /** TF.js keeps this object as it is (`model.getUserDefinedMetadata()`); see `metadata`. */
  userDefinedMetadata?: Record<string, unknown>;
}

/** A saved model as bytes: model.json's object and the one weights shard. */
export interface LayersModelFiles {
  modelJson: LayersModelJson;
  /** File name (relative to the folder) → bytes. */
  shards: Map<string, Uint8Array>;
}

/** What a saved model reads back as: the spec to build, and its weights in this engine's order. */
export interface DecodedModel {
  spec: ModelSpec;
  weights: { shape: number[]; data: Float32Array }[];
  /** `generatedBy` of model.json, e.g. "TensorFlow.js tfjs-layers v4.22.0". */
  generatedBy: string | null;
  /** model.json's `userDefinedMetadata`, when it has one. */
  metadata: Record<string, unknown> | null;
}

// -----------------------------------------------------------------------------------------
// writing

/**
 * The model as TF.js Layers files: its layers' Keras class names, configs and names (as TF.js
 * writes them), and its weights (BatchNormalization's moving statistics included) in one shard.
 */
export function encodeLayersModel(
  model: Sequential,
  options: {
    generatedBy?: string;
    /** Kept as model.json's userDefinedMetadata (what the model was trained on, say). */
    metadata?: Record<string, unknown>;
  } = {},
): LayersModelFiles {
  const spec = model.spec;
  const layers = spec.layers.map((layer, i) => {
    const name = model.layers[i]!.name;
    const type = layerType(layer);
    const config = type.toConfig(layer, name);
    if (i === 0) {
      config.batch_input_shape = [null, ...spec.inputShape];
      config.dtype = 'float32';
    }
    return { class_name: type.kerasClass, config };
  });
  const weights = model.weights;
  const total = weights.reduce((n, w) => n + w.value.length, 0);
  const bytes = new Uint8Array(4 * total);
  // DataView writes little-endian whatever the machine's byte order.
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const w of weights) {
    for (let i = 0; i < w.value.length; i++, offset += 4)
      view.setFloat32(offset, w.value[i]!, true);
  }
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: options.generatedBy ?? 'fmnist-lab',
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name: spec.name, layers },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [
        {
          paths: [WEIGHTS_SHARD],
          weights: weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' })),
        },
      ],
      ...(options.metadata ? { userDefinedMetadata: options.metadata } : {}),
    },
    shards: new Map([[WEIGHTS_SHARD, bytes]]),
  };
}

// -----------------------------------------------------------------------------------------
// reading

const SUPPORTED = LOADABLE_LAYERS;

/**
 * The most weights a model may have here: 50 million (200 MB of float32), far above any dense
 * network on Fashion-MNIST (the study's largest has 109,386), so that a small model.json
 * declaring a huge layer is refused before any of it is allocated.
 */
export const MAX_MODEL_WEIGHTS = 50_000_000;
/** No Layers model.json nests deeper than this; deeper JSON is refused before it is walked. */
const MAX_JSON_DEPTH = 64;
/** The most weights files one model.json may list (TF.js writes 4 MB shards: 200 MB is 50). */
export const MAX_SHARDS = 256;

type RawLayer = { class_name?: unknown; className?: unknown; config?: unknown };

/**
 * Reads model.json (parsed or as text) and its shards back into a spec and weights. `shard`
 * returns a file's bytes by its manifest path, or undefined when it is missing. Anything this
 * engine cannot build is refused with one ModelFileError line naming what and where.
 */
export function decodeLayersModel(
  json: unknown,
  shard: (path: string) => Uint8Array | undefined,
  where = MODEL_JSON,
): DecodedModel {
  const fail = (what: string): never => {
    throw new ModelFileError(`${where}: ${what}`);
  };
  let doc = json;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (error) {
      fail(
        `is not valid JSON (${(error as Error).message}); point at the model.json of a TF.js Layers model`,
      );
    }
  }
  if (!isObject(doc)) return fail('is not a JSON object; point at a TF.js Layers model.json');
  if (depthOver(doc, MAX_JSON_DEPTH)) {
    fail(`nests its JSON more than ${MAX_JSON_DEPTH} levels deep, which no Layers model.json does`);
  }
  if (doc.format !== undefined && doc.format !== 'layers-model') {
    fail(
      `has format '${String(doc.format)}', not 'layers-model': only TF.js Layers models load here (a graph model has no layers to rebuild)`,
    );
  }
  let topology = doc.modelTopology;
  if (isObject(topology) && isObject(topology.model_config)) topology = topology.model_config;
  if (!isObject(topology)) fail('has no modelTopology; save the model with TF.js or this tool');
  const top = topology as Record<string, unknown>;
  const className = top.class_name ?? top.className;
  if (className !== 'Sequential') {
    fail(
      `holds a ${String(className)} model; only Sequential models (a stack of ${SUPPORTED}) load into the custom engine`,
    );
  }
  const config = top.config;
  const rawLayers = Array.isArray(config)
    ? config
    : isObject(config) && Array.isArray(config.layers)
      ? config.layers
      : fail('has a Sequential config without a layers list');
  const modelName =
    isObject(config) && typeof config.name === 'string' && config.name !== ''
      ? config.name
      : 'model';

  const layers: LayerSpec[] = [];
  const layerNames: string[] = [];
  let inputShape: number[] | undefined;
  (rawLayers as RawLayer[]).forEach((raw, index) => {
    const cls = isObject(raw) ? (raw.class_name ?? raw.className) : undefined;
    const cfg = isObject(raw) && isObject(raw.config) ? raw.config : {};
    const name = typeof cfg.name === 'string' ? cfg.name : `layer ${index}`;
    const at = `layer ${index} '${short(name)}' (${short(String(cls))})`;
    const declared = cfg.batch_input_shape ?? cfg.batch_shape ?? cfg.batchInputShape;
    if (declared !== undefined && declared !== null) {
      if (
        !Array.isArray(declared) ||
        declared.length < 2 ||
        !declared.slice(1).every((d) => Number.isInteger(d) && (d as number) > 0)
      ) {
        fail(
          `${at} declares the input shape ${short(JSON.stringify(declared))}; expected [null, ...]`,
        );
      }
      inputShape ??= (declared as number[]).slice(1);
    }
    if (cfg.dtype !== undefined && cfg.dtype !== 'float32' && !isFloat32Policy(cfg.dtype)) {
      fail(
        `${at} has dtype ${short(JSON.stringify(cfg.dtype))}; the custom engine computes in float32`,
      );
    }
    if (cls === 'InputLayer') return;
    const type = layerTypeOfKerasClass(String(cls));
    if (type === undefined) {
      fail(
        `${at}: the layer class ${short(JSON.stringify(cls))} is not supported; the custom engine builds ${SUPPORTED}`,
      );
    }
    layers.push(
      (type as LayerType).fromConfig(cfg, {
        fail: (why) => fail(`${at} ${why}`),
        show: (value) => short(JSON.stringify(value)),
      }),
    );
    layerNames.push(name);
  });
  if (inputShape === undefined) {
    fail('declares no input shape (batch_input_shape on the first layer); save the model with one');
  }
  const spec: ModelSpec = { name: modelName, inputShape: inputShape as number[], layers };

  // The manifest's shape and the size of the model, checked before any layer is built: a small
  // model.json may declare a layer of millions of units, or list one shard thousands of times.
  const manifest = doc.weightsManifest;
  if (!Array.isArray(manifest)) fail('has no weightsManifest; save the model with its weights');
  const listed = new Set<string>();
  let shardBytes = 0;
  for (const group of manifest as unknown[]) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      fail('has a weightsManifest group without paths and weights lists');
    }
    for (const path of (group as { paths: unknown[] }).paths) {
      if (typeof path !== 'string') fail(`lists the weights file ${short(JSON.stringify(path))}`);
      if (listed.has(path as string)) {
        fail(
          `lists the weights file '${short(path as string)}' more than once; each is listed once`,
        );
      }
      listed.add(path as string);
      if (listed.size > MAX_SHARDS) fail(`lists more than ${MAX_SHARDS} weights files`);
      const bytes = shard(path as string);
      if (bytes === undefined) {
        fail(
          `lists the weights file '${short(path as string)}', which is missing; copy it beside model.json`,
        );
      }
      shardBytes += (bytes as Uint8Array).length;
    }
  }
  const count = weightCount(spec);
  if (count > MAX_MODEL_WEIGHTS) {
    fail(
      `declares ${formatCount(count)} weights, more than the ${formatCount(MAX_MODEL_WEIGHTS)} a model may have here; it is not a dense network for Fashion-MNIST`,
    );
  }
  if (4 * count > shardBytes) {
    fail(
      `declares ${formatCount(count)} weights (${formatCount(4 * count)} bytes), but its weights files hold ${formatCount(shardBytes)}: too few for this model (the weights file is truncated; save the model again)`,
    );
  }

  // The shapes this engine expects, from a model built on the spec (which also checks the
  // layers fit together: a BatchNormalization on 2-D input, a stack without a flat output).
  let expected: { layer: number; short: string; shape: number[] }[] = [];
  try {
    const probe = new Sequential(spec, { backend: new JsBackend() });
    expected = probe.layers.flatMap((layer, i) =>
      layer.weights.map((w) => ({
        layer: i,
        short: w.name.slice(w.name.lastIndexOf('/') + 1),
        shape: [...w.shape],
      })),
    );
    probe.dispose();
  } catch (error) {
    // Any layer's complaint about the stack (InvalidArgumentError, ShapeMismatchError...).
    fail(`cannot be built: ${(error as Error).message}`);
  }

  // The manifest: every entry float32, unquantised; the shards in order hold them end to end.
  const stored = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of manifest as unknown[]) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      fail('has a weightsManifest group without paths and weights lists');
    }
    const g = group as { paths: unknown[]; weights: unknown[] };
    const parts: Uint8Array[] = [];
    for (const path of g.paths) {
      if (typeof path !== 'string') fail(`lists the weights file ${short(JSON.stringify(path))}`);
      const bytes = shard(path as string);
      if (bytes === undefined) {
        fail(`lists the weights file '${path}', which is missing; copy it beside model.json`);
      }
      parts.push(bytes as Uint8Array);
    }
    const bytes = concat(parts);
    let offset = 0;
    for (const entry of g.weights) {
      if (!isObject(entry) || typeof entry.name !== 'string' || !Array.isArray(entry.shape)) {
        fail('has a weight entry without a name and a shape');
      }
      const e = entry as unknown as WeightManifestEntry;
      if (e.dtype !== 'float32') {
        fail(`stores weight '${e.name}' as ${String(e.dtype)}; only float32 weights load`);
      }
      if (e.quantization !== undefined && e.quantization !== null) {
        fail(`stores weight '${e.name}' quantised; save it without quantisation`);
      }
      if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        fail(`gives weight '${e.name}' the shape ${short(JSON.stringify(e.shape))}`);
      }
      const count = e.shape.reduce((a, b) => a * b, 1);
      if (offset + 4 * count > bytes.length) {
        fail(
          `expects ${(g.paths as string[]).join(', ')} to hold weight '${e.name}' at bytes ${offset}-${offset + 4 * count}, but it has ${bytes.length}: the weights file is truncated; save the model again`,
        );
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * count);
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
      stored.set(e.name, { shape: [...e.shape], data });
      offset += 4 * count;
    }
    if (offset !== bytes.length) {
      fail(
        `lists ${offset} bytes of weights but ${(g.paths as string[]).join(', ')} hold ${bytes.length}; the weights file does not belong to this model.json`,
      );
    }
  }

  // Each weight the engine needs, found by its Keras name; nothing left over.
  const used = new Set<string>();
  const weights = expected.map((want) => {
    const wanted = `${layerNames[want.layer]}/${want.short}`;
    const key = stored.has(wanted)
      ? wanted
      : [...stored.keys()].find((k) => k.endsWith(`/${wanted}`) || k === `${wanted}:0`);
    if (key === undefined) fail(`has no weight '${wanted}' in its weightsManifest`);
    const found = stored.get(key as string)!;
    if (found.shape.join() !== want.shape.join()) {
      fail(
        `gives weight '${key}' the shape [${found.shape.join(', ')}], but the layer needs [${want.shape.join(', ')}]`,
      );
    }
    const bad = found.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      fail(
        `holds ${found.data[bad]} in weight '${key}' (entry ${bad}): a model with NaN or infinite weights predicts nothing; save it again from a run whose loss stayed finite`,
      );
    }
    used.add(key as string);
    return found;
  });
  const unused = [...stored.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) {
    fail(`holds weights no layer uses (${unused.join(', ')}); it does not describe this model`);
  }
  return {
    spec,
    weights,
    generatedBy: typeof doc.generatedBy === 'string' ? doc.generatedBy : null,
    metadata: isObject(doc.userDefinedMetadata) ? doc.userDefinedMetadata : null,
  };
}

/**
 * The weights a spec's layers hold, counted by each layer type from the shapes alone (nothing
 * allocated). An upper bound where a layer would not build; a number past MAX_SAFE_INTEGER is
 * as good as infinite here.
 */
function weightCount(spec: ModelSpec): number {
  let width = spec.inputShape.reduce((a, b) => a * b, 1);
  let count = 0;
  for (const layer of spec.layers) {
    const sizes = layerType(layer).sizes(layer, width);
    count += sizes.weights;
    width = sizes.outputSize;
  }
  return count;
}

/** Whether `value` nests arrays and objects deeper than `limit` (walked without recursion). */
function depthOver(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

function formatCount(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US') : String(n);
}

/** A value from the file, cut so that a message stays one readable line. */
function short(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keras 3 writes a layer's dtype as a DTypePolicy object. */
function isFloat32Policy(dtype: unknown): boolean {
  return (
    isObject(dtype) &&
    isObject(dtype.config) &&
    (dtype.config.name === 'float32' || dtype.config.name === undefined)
  );
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
