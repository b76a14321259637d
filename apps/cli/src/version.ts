/** The CLI's version, read from its package.json (beside dist/ and src/ alike, and packed). */
import { createRequire } from 'node:module';

export const VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;
