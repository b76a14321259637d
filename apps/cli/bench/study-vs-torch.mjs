#!/usr/bin/env node
// `fmnist study` against the same six trainings in PyTorch on one thread (bench/torch_study.py),
// in one window on this machine:
//
//   node bench/study-vs-torch.mjs             (pnpm --filter @fmnist/cli bench:study)
//
// Runs the built CLI's whole study (custom engine, one seed, all of the data, its explain pages,
// the report) and reads its own wall time and peak memory from its JSON; then the PyTorch peer,
// checked first as bench:train checks it (an optimized BLAS, one thread: packages/nn/bench/
// torch-peer.mjs) and left out of the ratio if it is not a fair peer. Prints a table and writes
// bench-results/study-vs-torch.json with the load average before and after and the CPU model.
// The targets: the study at most 0.5x PyTorch's wall time, its peak memory at most 800 MiB.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTorch, peerEnv } from '../../../packages/nn/bench/torch-peer.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const main = join(here, '..', 'dist', 'main.js');
const dataDir = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const TARGET_RATIO = 0.5;
const TARGET_PEAK_MIB = 800;
const load = () => Math.round(loadavg()[0] * 100) / 100;
const log = (line) => process.stderr.write(`${line}\n`);

const loadAtStart = load();
const dir = mkdtempSync(join(tmpdir(), 'fmnist-bench-study-'));
let custom;
try {
  log('bench:study: fmnist study (custom engine) ...');
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [main, 'study', '--json', '--out', join(dir, 'report')], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, FASHION_MNIST_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const outsideSeconds = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`fmnist study failed (exit ${run.status})`);
  const json = JSON.parse(run.stdout);
  custom = {
    wallSeconds: json.run.wallSeconds,
    processSeconds: outsideSeconds,
    peakMemoryMiB: Math.round(json.run.peakMemoryBytes / 2 ** 20),
    backend: json.run.backend,
    lanes: json.run.lanes,
    models: Object.fromEntries(
      [...json.part1.models, ...json.part2.models].map((m) => [
        m.name,
        { seconds: m.seconds, epochsRun: m.epochsRun, testAccuracy: m.test.accuracy },
      ]),
    ),
  };
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const peer = findTorch();
let torch = null;
if (peer.python) {
  log('bench:study: torch_study.py (PyTorch, one thread) ...');
  const t0 = performance.now();
  const run = spawnSync(peer.python, [join(here, 'torch_study.py'), dataDir], {
    encoding: 'utf8',
    env: peerEnv(),
    maxBuffer: 1 << 26,
  });
  if (run.status !== 0) throw new Error(`torch_study.py failed: ${run.stderr.trim()}`);
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1));
  torch = {
    wallSeconds: out.wallSeconds,
    processSeconds: (performance.now() - t0) / 1000,
    peakMemoryMiB: Math.round(out.peakRssMB),
    models: out.models,
    setup: out.setup,
    fair: peer.fair,
    ...(peer.fair ? {} : { leftOutOfRatio: peer.why }),
  };
} else {
  log(`bench:study: no PyTorch peer: ${peer.unavailable}`);
}

const ratio =
  torch?.fair === true ? Math.round((custom.wallSeconds / torch.wallSeconds) * 1000) / 1000 : null;
const report = {
  benchmark:
    'fmnist study (custom engine, one seed, all data, explain pages) vs the PyTorch study on one thread',
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  loadAverage1mAtStart: loadAtStart,
  loadAverage1mAtEnd: load(),
  custom,
  pytorch: torch ?? { unavailable: peer.unavailable },
  ratio,
  target: `study / pytorch study <= ${TARGET_RATIO}; peak memory <= ${TARGET_PEAK_MIB} MiB`,
  targetMet: {
    ratio: ratio === null ? null : ratio <= TARGET_RATIO,
    peakMemory: custom.peakMemoryMiB <= TARGET_PEAK_MIB,
  },
};
mkdirSync(join(here, '..', 'bench-results'), { recursive: true });
writeFileSync(
  join(here, '..', 'bench-results', 'study-vs-torch.json'),
  `${JSON.stringify(report, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
const rows = Object.keys(custom.models).map(
  (name) =>
    `  ${name.padEnd(16)} ${custom.models[name].seconds.toFixed(1).padStart(8)} s ${torch ? `${torch.models[name === 'top' || name === 'bottom' ? `part1-${name}` : name]?.seconds.toFixed(1).padStart(10)} s` : ''}`,
);
log(
  [
    '',
    `  ${'model'.padEnd(16)} ${'fmnist'.padStart(10)} ${torch ? 'PyTorch'.padStart(12) : ''}`,
    ...rows,
    `  ${'whole run'.padEnd(16)} ${custom.wallSeconds.toFixed(1).padStart(8)} s ${torch ? `${torch.wallSeconds.toFixed(1).padStart(10)} s` : ''}`,
    `  ${'peak memory'.padEnd(16)} ${String(custom.peakMemoryMiB).padStart(6)} MiB ${torch ? `${String(torch.peakMemoryMiB).padStart(8)} MiB` : ''}`,
    ratio === null
      ? '  no ratio: no fair PyTorch peer here'
      : `  study / PyTorch: ${ratio}x (target <= ${TARGET_RATIO}x)`,
    `  (${report.cpu}, ${report.cores} cores; load average ${loadAtStart} at the start, ${report.loadAverage1mAtEnd} at the end; the custom engine trains ${custom.lanes} models side by side, PyTorch one at a time on one thread)`,
  ].join('\n'),
);
