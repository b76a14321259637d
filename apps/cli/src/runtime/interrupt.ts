/**
 * Ctrl-C (SIGINT) and SIGTERM during a long command: stop the training workers at once, say
 * so in one line, and exit 128 + the signal's number, the shell's convention (130 for SIGINT,
 * 143 for SIGTERM). Reports are written
 * atomically (writeReport renames a finished folder into place), so stopping at any point
 * leaves the previous report, if any, whole and never a half-written one.
 */

import type { Io } from '../context.js';
import type { TrainingHost } from './host.js';

export const EXIT_INTERRUPTED = 130;
export const EXIT_TERMINATED = 143;
/** How long stopping the workers may take before the process leaves anyway. */
const STOP_GRACE_MS = 2000;

export interface InterruptScope {
  /** The workers to stop on Ctrl-C (none when none runs). */
  register(workers: readonly TrainingHost[]): void;
  /** What is happening now, for the message ("training base, epoch 3"). */
  setStage(stage: string): void;
  /**
   * Writes the report: not at all once a signal came (the run is stopping); else a signal
   * during the write waits for it (a moment) and says it was finished, rather than leaving it
   * half-swapped for the next run to put right.
   */
  finishing<T>(write: () => Promise<T>): Promise<T>;
}

export async function withInterrupt<T>(
  io: Io,
  out: string,
  body: (scope: InterruptScope) => Promise<T>,
): Promise<T> {
  let workers: readonly TrainingHost[] = [];
  let stage = 'starting';
  let stopping = false;
  let writing: Promise<unknown> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C while the workers stop changes nothing.
    if (stopping) return;
    stopping = true;
    const what = signal === 'SIGINT' ? 'interrupted (Ctrl-C)' : `stopped by ${signal}`;
    const code = signal === 'SIGINT' ? EXIT_INTERRUPTED : EXIT_TERMINATED;
    // The workers are stopped first, then the line is written: progress a worker sent before it
    // stopped is printed above it, and the message stays the last line.
    const stop = Promise.race([
      Promise.all(workers.map((w) => w.terminate())),
      new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS)),
    ]);
    const written = (writing ?? Promise.reject()).then(
      () => true,
      () => false,
    );
    // Exiting here, not throwing: the main thread may be inside a long synchronous step.
    void Promise.all([stop, written]).then(([, finished]) => {
      io.stderr.write(
        finished
          ? `\nfmnist: ${what} while ${stage}; the report in ${out} was finished first and is whole.\n`
          : `\nfmnist: ${what} while ${stage}; nothing new was written to ${out}. Run the command again to start over.\n`,
      );
      process.exit(code);
    });
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
      finishing: async <T>(write: () => Promise<T>): Promise<T> => {
        // A signal that came while the main thread was busy (the explain pages are long
        // synchronous steps) is handled on the next turn of the event loop: take that turn.
        await new Promise((resolve) => setImmediate(resolve));
        // Stopping: the handler exits once the workers are gone; nothing new is started.
        if (stopping) return new Promise<T>(() => {});
        const started = write();
        writing = started;
        return started;
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
