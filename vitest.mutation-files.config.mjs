// The tests mutation testing of the folder writer runs (stryker.files.config.mjs): the files
// package's own, from the repository root. A mutant of code that deletes folders can delete the
// wrong one, so every temporary folder of these runs lives in a scratch folder of their own
// (TMPDIR), never in the machine's /tmp.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const scratch = fileURLToPath(new URL('./.mutation-tmp/', import.meta.url));
mkdirSync(scratch, { recursive: true });

export default defineConfig({
  test: {
    include: ['packages/files/test/**/*.test.ts'],
    env: { TMPDIR: scratch },
    testTimeout: 60_000,
  },
});
