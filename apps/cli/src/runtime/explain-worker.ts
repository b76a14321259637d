/**
 * The explain pages' thread (runtime/explain-thread.ts starts it): @fmnist/study's explainPages
 * for the models it is given, its progress lines and then the finished pages (their files
 * included) posted back. It writes nothing itself: the main thread puts the pages into the
 * report, which is written in one piece.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { explainPages } from '@fmnist/study/report';
import type { ExplainThreadInput, ExplainThreadMessage } from './explain-thread.js';

const port = parentPort;
if (!port) throw new Error('runtime/explain-worker.js must run as a worker thread');
const post = (message: ExplainThreadMessage) => port.postMessage(message);
const input = workerData as ExplainThreadInput;

try {
  const pages = await explainPages(input.models, {
    data: input.data,
    seed: input.seed,
    log: (line) => post({ type: 'log', line }),
    ...(input.jobs ? { jobs: input.jobs } : {}),
  });
  post({ type: 'done', pages });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  post({ type: 'error', message: e.message, name: e.name, ...(e.stack ? { stack: e.stack } : {}) });
}
