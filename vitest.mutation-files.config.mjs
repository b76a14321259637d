// The tests mutation testing of the folder writer runs (stryker.files.config.mjs): the files
// package's own, from the repository root.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/files/test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
