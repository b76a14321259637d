// The tests mutation testing runs (stryker.config.mjs): nn's own, the TensorFlow.js cross-check
// and the study's pinned Keras constants, with @fmnist/nn and @fmnist/core read from their
// sources (not dist/), so that a mutant in nn or core reaches every test that uses them. The
// cross-engine properties run on the js backend only, 4 cases each: the gpu.js backends share
// every line mutated here and only add kernel compilation time.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const at = (path) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@fmnist\/nn$/, replacement: at('./packages/nn/src/index.ts') },
      { find: /^@fmnist\/core$/, replacement: at('./packages/core/src/index.ts') },
      { find: /^@fmnist\/tf$/, replacement: at('./packages/tf/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/nn/test/**/*.test.ts',
      'packages/core/test/kernels.prop.test.ts',
      'packages/tf/test/**/*.test.ts',
      'packages/study/test/keras-constants.test.ts',
      'packages/study/test/crosscheck-early-stopping.test.ts',
    ],
    setupFiles: [at('./packages/tf/test/setup.ts')],
    // Fewer property runs per mutant (4, not 12): a mutant that changes a number shows in the
    // first few cases, and every mutant covered by the cross-check runs all of it.
    env: { FMNIST_PROP_BACKENDS: 'js', FMNIST_PROP_RUNS: '4' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
