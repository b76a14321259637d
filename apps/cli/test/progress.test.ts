// How downloads look: a bar per file on a terminal, one line per file elsewhere.
import { describe, expect, it } from 'vitest';
import { downloadReporter, formatBytes } from '../src/context.js';

function stderr(isTTY: boolean) {
  const written: string[] = [];
  const stream = {
    isTTY,
    columns: 120,
    write: (chunk: string) => {
      written.push(chunk);
      return true;
    },
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  } as unknown as NodeJS.WritableStream & { isTTY: boolean };
  const logged: string[] = [];
  const report = downloadReporter({ stdout: stream, stderr: stream, env: {} }, (m) =>
    logged.push(m),
  );
  return { report, written, logged };
}

const file = 'train-labels-idx1-ubyte.gz';
const url = 'http://mirror/train-labels-idx1-ubyte.gz';

describe('download progress', () => {
  it('logs a line per file when stderr is not a terminal', () => {
    const { report, logged } = stderr(false);
    report({ type: 'start', file, url, totalBytes: 29_515 });
    report({ type: 'progress', file, receivedBytes: 29_515, totalBytes: 29_515 });
    report({ type: 'mirror-failed', file, url, reason: 'HTTP 503', last: false });
    report({ type: 'done', file, url, bytes: 29_515 });
    expect(logged).toEqual([
      `downloading ${file} from ${url}`,
      `could not get ${file} from ${url} (HTTP 503); trying the next mirror`,
      `downloaded ${file} (29 KB)`,
    ]);
  });

  it('does not promise a next mirror after the last one', () => {
    const { report, logged } = stderr(false);
    report({ type: 'mirror-failed', file, url, reason: 'HTTP 503', last: true });
    expect(logged).toEqual([`could not get ${file} from ${url} (HTTP 503)`]);
  });

  it('draws a bar that ends at 100% on a terminal', () => {
    const { report, written, logged } = stderr(true);
    report({ type: 'start', file, url, totalBytes: 2 * 1024 * 1024 });
    report({ type: 'progress', file, receivedBytes: 1024 * 1024, totalBytes: 2 * 1024 * 1024 });
    report({ type: 'progress', file, receivedBytes: 2 * 1024 * 1024, totalBytes: 2 * 1024 * 1024 });
    report({ type: 'done', file, url, bytes: 2 * 1024 * 1024 });
    const screen = written.join('');
    expect(screen).toContain(`Downloading ${file} [`);
    expect(screen).toContain('100% 2.0 MB of 2.0 MB');
    expect(logged).toEqual([]);
  });

  it('formats sizes', () => {
    expect(formatBytes(5125)).toBe('6 KB');
    expect(formatBytes(26_421_856)).toBe('25.2 MB');
  });
});
