/** Versions of what ran, for the report's metadata: Node, TensorFlow.js, gpu.js. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The version of `pkg`: resolved from the workspace package `from` (in the repository), else
 * from this file (the packed CLI, whose dependencies sit beside it), else what the packed
 * CLI's package.json says it bundles (gpu.js travels inside it); undefined if none knows.
 */
function versionOf(from: string, pkg: string): string | undefined {
  const starts = [() => import.meta.resolve(from), () => import.meta.url];
  for (const start of starts) {
    try {
      const path = createRequire(start()).resolve(`${pkg}/package.json`);
      return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version;
    } catch {
      // Not found from there (or its exports hide package.json): try the next.
    }
  }
  try {
    const own = createRequire(import.meta.url)('../package.json') as {
      fmnist?: { bundled?: Record<string, string> };
    };
    return own.fmnist?.bundled?.[pkg];
  } catch {
    return undefined;
  }
}

export function runtimeVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node };
  const tfjs = versionOf('@fmnist/tf', '@tensorflow/tfjs-core');
  if (tfjs) versions['@tensorflow/tfjs'] = tfjs;
  const gpu = versionOf('@fmnist/core', 'gpu.js');
  if (gpu) versions['gpu.js'] = gpu;
  return versions;
}
