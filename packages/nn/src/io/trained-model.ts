/**
 * A trained model's files in TensorFlow.js's Layers format, from its spec and its weights (Keras
 * order): what `--save-models` writes into a report folder and the lab page hands to the browser
 * as downloads. A float32 twin on the js backend holds the weights, so the files are the same
 * whichever backend trained them.
 */
import { JsBackend } from '@fmnist/core';
import { Sequential } from '../sequential.js';
import type { ModelSpec } from '../spec.js';
import { encodeLayersModel, MODEL_JSON } from './tfjs-format.js';

export interface ModelFile {
  /** The file's name inside the model's folder: `model.json`, `group1-shard1of1.bin`. */
  name: string;
  content: string | Uint8Array;
}

export function trainedModelFiles(
  spec: ModelSpec,
  weights: readonly ArrayLike<number>[],
  options: { generatedBy?: string; metadata?: Record<string, unknown> } = {},
): ModelFile[] {
  const backend = new JsBackend();
  const twin = new Sequential(spec, { backend });
  try {
    twin.setWeights(weights);
    const files = encodeLayersModel(twin, options);
    return [
      { name: MODEL_JSON, content: `${JSON.stringify(files.modelJson, null, 2)}\n` },
      ...[...files.shards].map(([name, content]) => ({ name, content })),
    ];
  } finally {
    twin.dispose();
    backend.dispose();
  }
}
