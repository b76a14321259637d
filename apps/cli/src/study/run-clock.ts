/**
 * What `study` and `run` measure about a run, kept in one place: the start (time, date, load),
 * each phase's seconds, and the report's run metadata at the end.
 */
import { cpus, loadavg } from 'node:os';
import type { RunInfo } from '@fmnist/study/report';
import type { CommandOptions } from '../command.js';
import { runtimeVersions } from './versions.js';

export class RunClock {
  readonly startedAt = new Date().toISOString();
  readonly durations: Record<string, number> = {};
  readonly #t0 = performance.now();
  readonly #loadStart = loadavg();
  #phaseStart = performance.now();

  /** Seconds since the run started. */
  get elapsed(): number {
    return (performance.now() - this.#t0) / 1000;
  }

  /** Starts timing a phase from now (the phases between are not counted). */
  start(): void {
    this.#phaseStart = performance.now();
  }

  /** Records the phase that just ended and starts the next from now. */
  lap(phase: string): void {
    const now = performance.now();
    this.durations[phase] = (now - this.#phaseStart) / 1000;
    this.#phaseStart = now;
  }

  /** The run's metadata, measured now (just before the report is written). */
  info(
    run: Pick<RunInfo, 'command' | 'engine' | 'backend' | 'backendDetail' | 'seed' | 'lanes'> & {
      options: CommandOptions;
      model: string | undefined;
    },
  ): RunInfo {
    const { command, engine, backend, backendDetail, seed, lanes } = run;
    return {
      command,
      engine,
      backend,
      backendDetail,
      seed,
      lanes,
      limit: run.options.limit ?? null,
      epochs: run.options.epochs ?? null,
      model: run.model ?? null,
      startedAt: this.startedAt,
      versions: runtimeVersions(),
      durations: this.durations,
      wallSeconds: this.elapsed,
      // maxRSS is in kilobytes; the worker threads live in this process, so it covers them.
      peakMemoryBytes: process.resourceUsage().maxRSS * 1024,
      loadAverage: { start: this.#loadStart, end: loadavg() },
      cpus: cpus().length,
    };
  }
}
