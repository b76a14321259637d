/** Versions of what ran, for the report's metadata: Node, TensorFlow.js, gpu.js. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The version of `pkg` as resolved from the workspace package `from` (undefined if absent). */
function versionOf(from: string, pkg: string): string | undefined {
  try {
    const require = createRequire(import.meta.resolve(from));
    const path = require.resolve(`${pkg}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version;
  } catch {
    // Not installed, or its exports hide package.json: the report just leaves it out.
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
