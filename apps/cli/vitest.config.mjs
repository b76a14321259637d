import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.mjs';

export default defineConfig({
  test: {
    ...sharedTestConfig('cli'),
    // The tests run the built CLI as a user would; build it first so they never run a
    // stale dist/ (turbo builds this package's dependencies, not the package itself).
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/setup.ts'],
  },
});
