// Shared vitest settings for every package: the default console reporter, plus a JSON
// report per package in <root>/.test-results/ that .ci/run sums into its closing line.
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

/** @param {string} name the package's short name, used for its results file */
export function sharedTestConfig(name) {
  return {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: `${root}.test-results/${name}.json` }]],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  };
}
