/**
 * Where a training unit runs: a worker thread (the default: quick to start, little memory) or
 * a child process. gpu.js's headlessgl mode needs the latter: the `gl` addon is a native module
 * that loads once per process, so a second worker thread of the same process cannot load it
 * ("the gl addon did not load"), and two models of a study train side by side. A child process
 * has its own. Both speak the same WorkerMessage protocol (structured clone both ways: the
 * child's IPC channel uses Node's 'advanced' serialization, so typed arrays cross as they are).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { WorkerInput, WorkerMessage } from './messages.js';

export type Isolation = 'thread' | 'process';

/** A running training unit, whichever kind it is. */
export interface TrainingHost {
  on(event: 'message', listener: (message: WorkerMessage) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  /** `code` is null when a signal stopped a child process. */
  on(event: 'exit', listener: (code: number | null) => void): void;
  /** Stops it now, mid-batch if need be. */
  terminate(): Promise<void>;
}

/**
 * Child processes for a GL mode of gpu.js (gpujs:headlessgl or gpujs:gl: in Node both run on
 * headless-gl, whose addon loads once per process) or for `auto` left to the workers (which may
 * pick gpujs:gl), worker threads otherwise. `backend`: the name the workers build.
 */
export function isolationFor(backend: string | undefined): Isolation {
  return /headlessgl|^gpujs:gl$|^auto$/.test(backend?.trim() ?? '') ? 'process' : 'thread';
}

const WORKER_SCRIPT = new URL('./worker.js', import.meta.url);

export function startTrainingHost(input: WorkerInput, isolation: Isolation): TrainingHost {
  return isolation === 'process' ? processHost(input) : threadHost(input);
}

function threadHost(input: WorkerInput): TrainingHost {
  const worker = new Worker(WORKER_SCRIPT, { workerData: input });
  return {
    on(event: string, listener: (...args: unknown[]) => void) {
      worker.on(event, listener);
    },
    async terminate() {
      await worker.terminate();
    },
  } as TrainingHost;
}

function processHost(input: WorkerInput): TrainingHost {
  const child: ChildProcess = fork(WORKER_SCRIPT, [], {
    serialization: 'advanced',
    // Progress and results come over IPC; anything the child prints goes where ours goes.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: process.env,
  });
  child.send({ type: 'start', input });
  let exited = child.exitCode !== null || child.signalCode !== null;
  const gone = new Promise<void>((resolve) => {
    if (exited) resolve();
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  return {
    on(event: string, listener: (...args: unknown[]) => void) {
      if (event === 'exit')
        child.on('exit', (code) => (listener as (c: number | null) => void)(code));
      else child.on(event, listener);
    },
    async terminate() {
      if (!exited) child.kill('SIGTERM');
      await gone;
    },
  } as TrainingHost;
}
