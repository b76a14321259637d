// Writes experiments/experiment.schema.json from the zod schema in src/experiment/schema.ts
// (run after `pnpm build`; test/experiment.test.ts fails while the shipped copy is stale).
import { writeFileSync } from 'node:fs';
import { experimentJsonSchema } from '../dist/experiment/schema.js';

const target = new URL('../../../experiments/experiment.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
