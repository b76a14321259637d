/**
 * The folders a command writes (--out, explain's --html): claimed with @fmnist/files before
 * the long work, so that a folder fmnist did not write, one another run is writing, a mount
 * point, a name too long, a full disk or the data folder itself is a usage error (exit 2) in a
 * second, not after minutes of training.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
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
    if (error instanceof OutputFolderError) {
      const earlier = error.problem === 'not-ours' && (await isUnmarkedReport(out));
      throw new UsageError(
        earlier
          ? `${options.label ?? `--out ${out}`} holds a report written by an earlier fmnist, before reports carried a manifest, so fmnist cannot tell its files from yours; move what you want to keep out of it and delete it, or choose another folder`
          : error.message,
      );
    }
    throw error;
  }
}

/**
 * A report of an fmnist from before the manifest: its results.json names an fmnist command.
 * Only the message changes: such a folder is still refused (it may hold the user's files too).
 */
async function isUnmarkedReport(out: string): Promise<boolean> {
  try {
    const info = await stat(join(out, 'results.json'));
    if (!info.isFile() || info.size > 64 * 2 ** 20) return false;
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    return typeof results?.run?.command === 'string' && results.run.command.startsWith('fmnist ');
  } catch {
    return false;
  }
}
