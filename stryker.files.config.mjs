// Mutation testing of the folder writer (`pnpm mutation:files`): the code that decides which
// files of a user's may be replaced, proven by its tests in packages/files/test. Survivors and
// the score are kept in packages/files/MUTANTS.md.
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  vitest: { configFile: 'vitest.mutation-files.config.mjs', related: false },
  mutate: ['packages/files/src/node/output-folder.ts'],
  // The tests that kill a child process mid-swap run the built module in that child: keep it.
  ignorePatterns: [...base.ignorePatterns, '!packages/files/dist/**'],
  tsconfigFile: 'packages/files/tsconfig.json',
  htmlReporter: { fileName: 'reports/mutation-files/index.html' },
  jsonReporter: { fileName: 'reports/mutation-files/mutation.json' },
  incrementalFile: 'reports/mutation-files/stryker-incremental.json',
  timeoutMS: 20_000,
  // Every test for every mutant: per-test coverage misses tests that reach the code through
  // another test's setup here (MUTANTS.md).
  coverageAnalysis: 'all',
};
