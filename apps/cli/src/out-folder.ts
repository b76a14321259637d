/**
 * The folders a command writes (--out, explain's --html): claimed with @fmnist/files before
 * the long work, so that a folder fmnist did not write, one another run is writing, a mount
 * point, a name too long, a full disk or the data folder itself is a usage error (exit 2) in a
 * second, not after minutes of training.
 */
import { defaultCacheDir, ENV_DATA_DIR, SYSTEM_DATA_DIR } from '@fmnist/data/node';
import { type OutputFolder, OutputFolderError, openOutputFolder } from '@fmnist/files/node';
import type { CommandContext } from './context.js';
import { UsageError } from './errors.js';
import { VERSION } from './version.js';

export async function claimOutFolder(
  out: string,
  options: {
    command: string;
    expectedBytes: number;
    dataDir: string | undefined;
    context: CommandContext;
    /** How the folder is named on the command line; `--out DIR` by default. */
    label?: string;
  },
): Promise<OutputFolder> {
  const env = options.context.io.env;
  // Every folder the data may be read from: a report there would replace or hide it.
  const protect = [
    options.dataDir !== undefined && { dir: options.dataDir, what: 'the data folder (--data-dir)' },
    env[ENV_DATA_DIR] && { dir: env[ENV_DATA_DIR], what: `the data folder (${ENV_DATA_DIR})` },
    { dir: defaultCacheDir(env), what: 'the download cache' },
    { dir: SYSTEM_DATA_DIR, what: 'the system copy of the data' },
  ].filter((p): p is { dir: string; what: string } => Boolean(p));
  try {
    return await openOutputFolder(out, {
      what: 'report',
      label: options.label ?? `--out ${out}`,
      command: options.command,
      version: VERSION,
      expectedBytes: options.expectedBytes,
      protect,
      log: options.context.log,
    });
  } catch (error) {
    if (error instanceof OutputFolderError) throw new UsageError(error.message);
    throw error;
  }
}
