/**
 * What a command gets to talk to the user with. stdout carries the result only (text, or
 * one JSON document with --json); everything else (progress bars, logs) goes to stderr so
 * that `fmnist data --json | jq` always works.
 */
import { type DownloadEvent, type FashionMnist, loadFashionMnist } from '@fmnist/data/node';
import cliProgress from 'cli-progress';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

export interface CommandContext {
  io: Io;
  /** A line on stderr, for progress and notes (never part of the result). */
  log(message: string): void;
  /** Loads the dataset, rendering any download as a progress bar on stderr. */
  loadData(options: {
    dataDir?: string | undefined;
    limit?: number | undefined;
  }): Promise<FashionMnist>;
}

/**
 * Whether stderr gets colours, as Node decides for a terminal (\`hasColors\`): FORCE_COLOR wins
 * (0 or false: none; anything else: colours, even into a file or pipe), then NO_COLOR (set and
 * not empty: none, https://no-color.org), then a terminal that is not TERM=dumb.
 */
export function useColor(io: Io): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase());
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const stream = io.stderr as { isTTY?: boolean; hasColors?: (env?: object) => boolean };
  if (stream.isTTY !== true || io.env.TERM === 'dumb') return false;
  return typeof stream.hasColors === 'function' ? stream.hasColors(io.env) : true;
}

/** Mirrors to use instead of the official ones (comma-separated base URLs), e.g. a local copy. */
export const ENV_MIRRORS = 'FMNIST_MIRRORS';

/** A size as people read it: KB below a megabyte, MB with one decimal above. */
export function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${Math.ceil(bytes / 1024)} KB`
    : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Renders download events: a bar per file on a terminal, a line per file otherwise (bars
 * drawn into a log file or a CI transcript are noise).
 */
export function downloadReporter(io: Io, log: (message: string) => void) {
  let bar: cliProgress.SingleBar | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return (event: DownloadEvent): void => {
    switch (event.type) {
      case 'start':
        stop();
        // A bar needs a total: without a Content-Length the download is logged as lines.
        if (io.stderr.isTTY && event.totalBytes !== undefined) {
          bar = new cliProgress.SingleBar(
            {
              stream: io.stderr,
              // The bar counts bytes; shown as KB/MB by formatValue.
              format: `Downloading ${event.file} [{bar}] {percentage}% {value} of {total}`,
              formatValue: (value: number, _options: unknown, type: string) =>
                type === 'value' || type === 'total' ? formatBytes(value) : String(value),
              hideCursor: true,
              clearOnComplete: false,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.totalBytes, 0);
        } else {
          log(`downloading ${event.file} from ${event.url}`);
        }
        return;
      case 'progress':
        bar?.update(event.receivedBytes);
        return;
      case 'done':
        if (bar) stop();
        else log(`downloaded ${event.file} (${formatBytes(event.bytes)})`);
        return;
      case 'mirror-failed':
        stop();
        log(
          `could not get ${event.file} from ${event.url} (${event.reason})${event.last ? '' : '; trying the next mirror'}`,
        );
        return;
    }
  };
}

export function createContext(io: Io): CommandContext {
  const log = (message: string) => {
    io.stderr.write(`${message}\n`);
  };
  return {
    io,
    log,
    loadData: ({ dataDir, limit }) => {
      const extra = (io.env[ENV_MIRRORS] ?? '')
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== '')
        .map((m) => (m.endsWith('/') ? m : `${m}/`));
      return loadFashionMnist({
        dataDir,
        limit,
        env: io.env,
        onWarning: (message) => log(`warning: ${message}`),
        download: {
          ...(extra.length > 0 ? { mirrors: extra } : {}),
          onProgress: downloadReporter(io, log),
        },
      });
    },
  };
}
