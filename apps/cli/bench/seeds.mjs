#!/usr/bin/env node
// How long `fmnist study --seeds N` takes: runs the built CLI with the arguments given
// (default: `study --seeds 1`, one seed's full study), measures wall and CPU time (GNU time,
// Debian's `time` package), and estimates N seeds on W workers from the CPU time, which the
// machine's other load inflates far less than wall time:
//
//   node bench/seeds.mjs [fmnist args...]        e.g. node bench/seeds.mjs part1 --seeds 2
//   SEEDS_TARGET=5 node bench/seeds.mjs          (the estimate's N; default 5)
//
// Writes bench-results/seeds.json. The estimate assumes the CPU time splits evenly over the
// workers (one per core) and scales with the seeds; it is labelled as an estimate.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const args = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['study', '--seeds', '1'];
const target = Number(process.env.SEEDS_TARGET ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'fmnist-bench-seeds-'));
const timeFile = join(dir, 'time.txt');
const loadStart = loadavg();
const run = spawnSync(
  '/usr/bin/time',
  [
    '-f',
    '%U %S %e',
    '-o',
    timeFile,
    process.execPath,
    main,
    ...args,
    '--json',
    '--out',
    join(dir, 'report'),
  ],
  { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] },
);
if (run.status !== 0) {
  console.error(
    `bench: fmnist ${args.join(' ')} failed (exit ${run.status}); is /usr/bin/time installed (apt-get install time)?`,
  );
  process.exit(1);
}
const [user, sys, wall] = readFileSync(timeFile, 'utf8')
  .trim()
  .split('\n')
  .at(-1)
  .split(' ')
  .map(Number);
const doc = JSON.parse(run.stdout);
const models = [...(doc.part1?.models ?? doc.models ?? []), ...(doc.part2?.models ?? [])];
const seedsIndex = args.indexOf('--seeds');
const seeds = seedsIndex >= 0 ? Number(args[seedsIndex + 1]) : 1;
const workers = Math.min(
  availableParallelism(),
  Number(process.env.FMNIST_WORKERS) || availableParallelism(),
);
const cpuSeconds = user + sys;
const result = {
  benchmark: `fmnist ${args.join(' ')}`,
  seeds,
  wallSeconds: wall,
  cpuSeconds,
  cpus: availableParallelism(),
  loadAverage: { start: loadStart, end: loadavg() },
  firstSeedModels: models.map((m) => ({
    name: m.name,
    epochsRun: m.epochsRun,
    seconds: m.seconds,
  })),
  estimate: {
    what: `ESTIMATE, not a measurement: ${target} seeds on ${workers} workers = CPU seconds per seed x ${target} / ${workers}`,
    seeds: target,
    workers,
    wallSeconds: (cpuSeconds / seeds) * (target / workers),
  },
};
mkdirSync(new URL('../bench-results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../bench-results/seeds.json', import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
console.log(
  `${result.benchmark}: wall ${wall.toFixed(0)} s, CPU ${cpuSeconds.toFixed(0)} s (load average ${loadStart[0].toFixed(1)} at the start); estimate for ${target} seeds on ${workers} workers: ${(result.estimate.wallSeconds / 60).toFixed(1)} min`,
);
