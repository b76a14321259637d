/** The report document: title, run metadata, and the sections of what ran. */
import type { ReportDocument, RunMetadata, Section } from '@fmnist/reports';

export interface RunInfo {
  command: string;
  engine: string;
  backend: string;
  backendDetail: string;
  seed: number;
  /** How many models trained side by side (0: none trained). */
  lanes: number;
  limit: number | null;
  epochs: number | null;
  model: string | null;
  startedAt: string;
  versions: Record<string, string>;
  /** Seconds per phase. */
  durations: Record<string, number>;
  /** Whole command, seconds (measured just before the report is written). */
  wallSeconds: number;
  /** process.resourceUsage().maxRSS, in bytes (the worker threads included). */
  peakMemoryBytes: number;
  /** os.loadavg() at the start and the end: the machine may be shared. */
  loadAverage: { start: number[]; end: number[] };
  cpus: number;
}

const MIB = 1024 * 1024;

export function reportDocument(
  title: string,
  run: RunInfo,
  sections: Section[],
  results: unknown,
  subtitle = 'Which half of a Fashion-MNIST image carries the information, and how regularisation changes a small dense network.',
): ReportDocument {
  const metadata: RunMetadata = {
    engine: run.engine,
    backend: run.backend ? `${run.backend}; ${run.backendDetail}` : 'none (no training)',
    seed: run.seed,
    durations: { ...run.durations, 'whole run': run.wallSeconds },
    versions: run.versions,
    startedAt: run.startedAt,
    command: run.command,
    extra: {
      ...(run.lanes > 0 ? { 'Models trained side by side': run.lanes } : {}),
      'Peak memory': `${(run.peakMemoryBytes / MIB).toFixed(0)} MiB (max RSS)`,
      'Machine load': `load average ${run.loadAverage.start.map((l) => l.toFixed(1)).join(' ')} at the start, ${run.loadAverage.end.map((l) => l.toFixed(1)).join(' ')} at the end, ${run.cpus} CPUs`,
      ...(run.limit !== null ? { 'Training images (--limit)': run.limit } : {}),
      ...(run.epochs !== null ? { 'Epochs (--epochs)': run.epochs } : {}),
      ...(run.model !== null ? { 'Model (--model)': run.model } : {}),
    },
  };
  return {
    title,
    subtitle,
    metadata,
    sections,
    results,
  };
}
