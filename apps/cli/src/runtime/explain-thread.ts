/**
 * `fmnist study` writes its explain pages (5-6 s of work for the six models: a float64
 * finite-difference check, the TensorFlow.js reference and the figures of each) in a worker
 * thread of their own, started when a training lane runs out of models (its core is free then).
 * On the main thread they were the end of the run: the last model done, the report's figures
 * waited for the pages still to write, one core idle. Now the pages and the report's figures go
 * side by side. A page depends on the data's first training images and the seed only, so the
 * thread is given the data as shared memory (runtime/shared-data.ts) and nothing of training.
 */
import { Worker } from 'node:worker_threads';
import type { FashionMnist } from '@fmnist/data';
import type { ModelJob } from '@fmnist/study';
import type { ExplainPages } from '@fmnist/study/report';
import { sharedSplits } from './shared-data.js';

export interface ExplainThreadInput {
  models: string[];
  data: FashionMnist;
  seed: number;
  jobs?: ModelJob[];
}

export type ExplainThreadMessage =
  | { type: 'log'; line: string }
  | { type: 'done'; pages: ExplainPages | null }
  | { type: 'error'; message: string; name: string; stack?: string };

const WORKER_SCRIPT = new URL('./explain-worker.js', import.meta.url);

/**
 * explainPages in a worker thread: the same pages, and the same error if one fails (its
 * message, name and stack). `log` gets each progress line as it comes.
 */
export function explainInThread(
  models: readonly string[],
  options: { data: FashionMnist; seed: number; log: (line: string) => void; jobs?: ModelJob[] },
): Promise<ExplainPages | null> {
  const { data, seed, log, jobs } = options;
  const input: ExplainThreadInput = {
    models: [...models],
    data: { ...sharedSplits(data), location: data.location, limit: data.limit },
    seed,
    ...(jobs ? { jobs } : {}),
  };
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SCRIPT, { workerData: input });
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      finish();
    };
    worker.on('message', (message: ExplainThreadMessage) => {
      if (message.type === 'log') log(message.line);
      else if (message.type === 'done') settle(() => resolve(message.pages));
      else {
        const error = new Error(message.message);
        error.name = message.name;
        if (message.stack) error.stack = message.stack;
        settle(() => reject(error));
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`the explain pages' thread stopped (exit code ${code})`))),
    );
  });
}
