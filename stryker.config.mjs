// Mutation testing (`pnpm mutation`): Stryker changes the engine's code one small way at a time
// (a + for a -, 0.99 for 0.9, a dropped statement...) and runs the tests that cover each change;
// a mutant no test notices "survives". Scores and every survivor's story: packages/nn/MUTANTS.md.
// Reports: reports/mutation/index.html and mutation.json (mutation-testing-report-schema).
import { fileURLToPath } from 'node:url';

// pnpm keeps each package's dependencies to itself, so Stryker's scan for @stryker-mutator/*
// plugins beside its core finds none: name them by path.
const plugin = (name) => fileURLToPath(import.meta.resolve(name));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'pnpm',
  plugins: [
    plugin('@stryker-mutator/vitest-runner'),
    plugin('@stryker-mutator/typescript-checker'),
  ],
  testRunner: 'vitest',
  // nn's own tests, the cross-check against TensorFlow.js (js backend) and the study's pinned
  // Keras constants, all on the engine's sources (see vitest.mutation.config.mjs).
  vitest: { configFile: 'vitest.mutation.config.mjs', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  // Mutants that do not type-check are dropped, not counted.
  disableTypeChecks: false,
  mutate: [
    'packages/nn/src/layers/*.ts',
    'packages/nn/src/losses.ts',
    'packages/nn/src/optimizers.ts',
    'packages/nn/src/callbacks.ts',
    'packages/nn/src/train/fit.ts',
    'packages/nn/src/train/trainer.ts',
    'packages/nn/src/model/head.ts',
    'packages/core/src/js-backend.ts',
  ],
  // Only what the tests read: the sources, the tests, their configs, the dataset finder.
  ignorePatterns: [
    '**/dist',
    'apps',
    'docs',
    'reports',
    'bench-results',
    'fmnist-report',
    '.test-results',
    '**/bench',
  ],
  coverageAnalysis: 'perTest',
  // The first run measures each test; a mutant gets this much longer before it counts as a
  // timeout (an infinite loop is a killed mutant).
  timeoutMS: 60_000,
  timeoutFactor: 3,
  concurrency: 2,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  thresholds: { high: 90, low: 85, break: null },
  // Reruns test only the mutants whose code or tests changed since the last run here.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
