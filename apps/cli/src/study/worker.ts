/**
 * The training worker. Training is long synchronous work (a whole epoch runs without
 * yielding), so it runs here, off the main thread: the main thread stays free to draw
 * progress and to answer Ctrl-C at once, by terminating this worker mid-batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createBackendWithSelection } from '@fmnist/core';
import { type Features, features, loadFashionMnist, type SplitName } from '@fmnist/data';
import { CustomEngine, type EngineRunner, TfEngine, type VariantSets } from './engines.js';
import type { WorkerInput, WorkerMessage } from './messages.js';

/** The custom engine's default: gpu.js in its fastest mode here (webasm with SIMD). */
export const DEFAULT_CUSTOM_BACKEND = 'gpujs';

const port = parentPort;
if (!port) throw new Error('study/worker.js must run as a worker thread');
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

async function main(input: WorkerInput): Promise<void> {
  const { plan } = input;
  let engine: EngineRunner;
  if (plan.engine === 'tf') {
    engine = new TfEngine();
  } else {
    const requested = process.env.FMNIST_BACKEND?.trim() || DEFAULT_CUSTOM_BACKEND;
    const { backend, selection } = createBackendWithSelection(requested);
    engine = new CustomEngine(backend, selection.reason);
  }
  const { backend, detail } = await engine.describe();
  post({ type: 'backend', backend, detail });

  const data = await loadFashionMnist({
    dataDir: input.dataDir,
    limit: input.limit,
    download: false,
  });
  // Float copies are made once per variant and split, only for the variants planned.
  const cache = new Map<string, Features>();
  const get = (split: SplitName, variant: 'top' | 'bottom') => {
    const key = `${split}/${variant}`;
    let f = cache.get(key);
    if (!f) {
      f = features(data[split], variant);
      cache.set(key, f);
    }
    return f;
  };
  const sets = (variant: 'top' | 'bottom'): VariantSets => ({
    train: get('train', variant),
    validation: get('validation', variant),
    test: get('test', variant),
  });
  try {
    for (const job of plan.jobs) {
      const model = await engine.train(job, { seed: plan.seed, sets, post });
      post({ type: 'model-end', model }, [model.predictions.buffer as ArrayBuffer]);
    }
  } finally {
    engine.dispose();
  }
  post({ type: 'done' });
}

main(workerData as WorkerInput).catch((error: unknown) => {
  const e = error instanceof Error ? error : new Error(String(error));
  post({ type: 'error', errorName: e.name, message: e.message, stack: e.stack });
});
