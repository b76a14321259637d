/**
 * Ctrl-C (SIGINT) and SIGTERM during a long command: stop the training worker at once, say
 * so in one line, and exit 130 (128 + SIGINT, the shell's convention). Reports are written
 * atomically (writeReport renames a finished folder into place), so stopping at any point
 * leaves the previous report, if any, whole and never a half-written one.
 */

import type { Io } from '../context.js';
import type { TrainingHost } from './host.js';

export const EXIT_INTERRUPTED = 130;

export interface InterruptScope {
  /** The workers to stop on Ctrl-C (none when none runs). */
  register(workers: readonly TrainingHost[]): void;
  /** What is happening now, for the message ("training base, epoch 3"). */
  setStage(stage: string): void;
}

export async function withInterrupt<T>(
  io: Io,
  out: string,
  body: (scope: InterruptScope) => Promise<T>,
): Promise<T> {
  let workers: readonly TrainingHost[] = [];
  let stage = 'starting';
  const onSignal = (signal: NodeJS.Signals) => {
    const what = signal === 'SIGINT' ? 'interrupted (Ctrl-C)' : `stopped by ${signal}`;
    io.stderr.write(
      `\nfmnist: ${what} while ${stage}; nothing new was written to ${out}. Run the command again to start over.\n`,
    );
    const stop = Promise.all(workers.map((w) => w.terminate()));
    // Exiting here, not throwing: the main thread may be inside a long synchronous step.
    void stop.finally(() => process.exit(EXIT_INTERRUPTED));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body({
      register: (w) => {
        workers = w;
      },
      setStage: (s) => {
        stage = s;
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
