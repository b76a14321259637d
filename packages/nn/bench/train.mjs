#!/usr/bin/env node
/**
 * pnpm bench:train — one training epoch of the study's 392-128-64-10 MLP on the 50,000
 * top-half training images, batch 32, with SGD and with Adam, for
 *   - the custom engine on the `js` backend, on the best gpu.js backend core offers, and on
 *     gpujs:gl, the device-resident mode (with how much of the epoch waited in read-backs;
 *     needs a GL context: run under `xvfb-run -a` where there is no display; skipped otherwise),
 *   - TensorFlow.js layers on its `wasm` and `cpu` backends (timed here, directly),
 *   - PyTorch on one CPU thread (bench/torch_train.py, Keras semantics), when python3 can
 *     import torch (Debian: apt-get install python3-torch libopenblas0-pthread); otherwise it
 *     says so and goes on. The peer is set up as its users set it up and the benchmark checks
 *     that first: it records torch's version, its BLAS line, the BLAS library the process
 *     actually mapped and OpenBLAS's core; a PyTorch on the netlib reference BLAS (Debian's
 *     python3-torch with only libblas3) is reported as such and left out of the ratios, with
 *     the command that fixes it,
 * each in its own child process so each reports its own peak RSS. Prints one JSON document
 * on stdout (progress on stderr) with the ratios custom / tfjs-wasm and custom / PyTorch, and
 * writes it to bench-results/train.json.
 *
 * Options: --limit N (first N images instead of 50,000), --only custom:js,tfjs:wasm,...,
 * --optimizers sgd,adam, --epochs N, --rounds N (each runner N times, interleaved; medians).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTorch, peerEnv } from './torch-peer.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ALL_RUNNERS = [
  'custom:js',
  'custom:gpujs',
  'custom:gpujs:gl',
  'tfjs:wasm',
  'tfjs:cpu',
  'torch:cpu1',
];
/** Runners that need a GL context (xvfb-run -a in Node without a display): skipped, with why. */
const GL_RUNNERS = new Set(['custom:gpujs:gl', 'custom:gpujs:headlessgl']);
const TARGET_RATIO = 0.5;
/**
 * The targets against PyTorch on one thread (an optimized BLAS), per optimizer: one SGD epoch
 * at most 2.0x PyTorch's, one Adam epoch at most PyTorch's.
 */
const TORCH_TARGET_RATIOS = { sgd: 2.0, adam: 1.0 };

function parseArgs(argv) {
  const args = {
    limit: 50_000,
    only: ALL_RUNNERS,
    optimizers: ['sgd', 'adam'],
    epochs: 1,
    rounds: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (key === '--child') args.child = value;
    else if (key === '--optimizer') args.optimizer = value;
    else if (key === '--limit') args.limit = Number(value);
    else if (key === '--only') args.only = value.split(',');
    else if (key === '--optimizers') args.optimizers = value.split(',');
    else if (key === '--epochs') args.epochs = Number(value);
    else if (key === '--rounds') args.rounds = Number(value);
    else continue;
    i++;
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
if (args.child) await runChild(args);
else runAll(args);

/** Runs one (runner, optimizer) in this process and prints its result as one JSON line. */
async function runChild({ child, optimizer, limit, epochs }) {
  const { loadSubset } = await import('./fashion.mjs');
  const nn = await import('../dist/index.js');
  const data = loadSubset('train', 0, limit, 'top');
  const [engine, ...rest] = child.split(':');
  const backendName = rest.join(':');
  const warmup = 256;
  let result;
  if (engine === 'torch') {
    // The same images and labels, handed over as raw little-endian files.
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-bench-'));
    try {
      writeFileSync(join(dir, 'x.f32'), new Uint8Array(data.x.buffer));
      writeFileSync(join(dir, 'y.u8'), data.y);
      const run = spawnSync(
        process.env.FMNIST_BENCH_PYTHON ?? 'python3',
        [
          join(here, 'torch_train.py'),
          join(dir, 'x.f32'),
          join(dir, 'y.u8'),
          String(limit),
          optimizer,
          String(epochs),
        ],
        { encoding: 'utf8', env: peerEnv() },
      );
      if (run.status !== 0) throw new Error(`torch_train.py failed: ${run.stderr.trim()}`);
      const out = JSON.parse(run.stdout.trim().split('\n').at(-1));
      result = {
        backend: out.backend,
        seconds: out.seconds,
        history: { loss: [out.loss], accuracy: [out.accuracy] },
        peakRssMB: out.peakRssMB,
        setup: out.setup,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else if (engine === 'custom') {
    const { createBackend } = await import('@fmnist/core/gpujs');
    const backend = createBackend(backendName);
    // Part 1's MLP on the top half, as the study trains it (packages/study/src/models.ts).
    const spec = nn.denseStack('bench', [14, 28], [128, 64]);
    const optimizerSpec =
      optimizer === 'sgd' ? { type: 'sgd', learningRate: 1e-4 } : { type: 'adam' };
    const model = new nn.Sequential(spec, { seed: 1, backend });
    // Warm-up (gpu.js compiles its kernels on first use), then a fresh optimizer.
    model.compile({ optimizer: optimizerSpec });
    await model.fit(data.x.subarray(0, warmup * 392), data.y.subarray(0, warmup), {
      batchSize: 32,
    });
    model.compile({ optimizer: optimizerSpec });
    const before = { ...(backend.counters ?? {}) };
    const start = performance.now();
    const history = await model.fit(data.x, data.y, { epochs, batchSize: 32, seed: 1 });
    const seconds = (performance.now() - start) / 1000 / epochs;
    result = { backend: backend.name, seconds, history: history.history };
    if (backend.resident) {
      // What the device-resident mode sent back: the counters of the timed epochs only.
      const c = backend.counters;
      result.resident = {
        describe: backend.describe(),
        kernelCallsPerStep: round(
          (c.kernelCalls - before.kernelCalls) / (epochs * Math.ceil(limit / 32)),
          1,
        ),
        readbacksPerStep: round(
          (c.readbacks - before.readbacks) / (epochs * Math.ceil(limit / 32)),
          2,
        ),
        readbackShare: round((c.readbackMs - before.readbackMs) / (seconds * epochs * 1000), 3),
        hostFallbacks: c.hostFallbacks - before.hostFallbacks,
      };
    }
  } else {
    const tf = await import('@tensorflow/tfjs-core');
    const tfl = await import('@tensorflow/tfjs-layers');
    if (backendName === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const { createRequire } = await import('node:module');
      const pkg = createRequire(import.meta.url).resolve(
        '@tensorflow/tfjs-backend-wasm/package.json',
      );
      wasm.setWasmPaths(`${join(dirname(pkg), 'dist')}/`);
    } else {
      await import('@tensorflow/tfjs-backend-cpu');
    }
    if (!(await tf.setBackend(backendName)))
      throw new Error(`tfjs backend ${backendName} did not start`);
    await tf.ready();
    const model = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [14, 28] }),
        tfl.layers.dense({ units: 128, activation: 'relu' }),
        tfl.layers.dense({ units: 64, activation: 'relu' }),
        tfl.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const makeOptimizer = () =>
      optimizer === 'sgd' ? tf.train.sgd(1e-4) : tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
    const compile = () =>
      model.compile({
        optimizer: makeOptimizer(),
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
      });
    const xs = tf.tensor3d(data.x, [limit, 14, 28]);
    const ys = tf.tensor1d(Float32Array.from(data.y));
    compile();
    const wx = tf.slice(xs, 0, warmup);
    const wy = tf.slice(ys, 0, warmup);
    await model.fit(wx, wy, { epochs: 1, batchSize: 32, verbose: 0 });
    compile();
    const start = performance.now();
    const history = await model.fit(xs, ys, { epochs, batchSize: 32, shuffle: true, verbose: 0 });
    const seconds = (performance.now() - start) / 1000 / epochs;
    result = { backend: `tfjs-${tf.getBackend()}`, seconds, history: history.history };
  }
  const steps = Math.ceil(limit / 32);
  process.stdout.write(
    `${JSON.stringify({
      runner: child,
      engine,
      backend: result.backend,
      optimizer,
      samples: limit,
      batchSize: 32,
      epochSeconds: round(result.seconds, 3),
      msPerStep: round((result.seconds * 1000) / steps, 3),
      loss: round(Number(result.history.loss.at(-1)), 4),
      accuracy: round(Number((result.history.accuracy ?? result.history.acc).at(-1)), 4),
      // PyTorch's own process, not the Node process that handed it the data.
      peakRssMB: round(result.peakRssMB ?? process.resourceUsage().maxRSS / 1024, 1),
      ...(result.resident ? { resident: result.resident } : {}),
      ...(result.setup ? { setup: result.setup } : {}),
    })}\n`,
  );
}

/** Runs every (runner, optimizer) as a child process and prints the JSON summary. */
function runAll({ limit, only, optimizers, epochs, rounds }) {
  const results = [];
  const torchFound = only.includes('torch:cpu1') ? findTorch() : { unavailable: null };
  const noTorch = torchFound.unavailable ?? null;
  // The child runs the Python found here.
  if (torchFound.python) process.env.FMNIST_BENCH_PYTHON = torchFound.python;
  if (noTorch) process.stderr.write(`bench:train torch:cpu1 skipped: ${noTorch}\n`);
  const torchFair = torchFound.fair === true;
  if (torchFound.python) {
    const s = torchFound.setup;
    process.stderr.write(
      `bench:train torch:cpu1: PyTorch ${s?.torch ?? '?'}, BLAS ${s?.blasKind ?? '?'} (${s?.blasLibraries?.join(', ') ?? '?'}${s?.openblasCore ? `, core ${s.openblasCore}` : ''}), ${s?.threads ?? '?'} thread(s)${torchFair ? '' : `; NOT A FAIR PEER: ${torchFound.why}`}\n`,
    );
  }
  // --rounds N: every runner N times, the rounds interleaved (runner after runner, round after
  // round) so that a slow spell of a shared machine falls on all of them; each keeps its median.
  const measured = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const optimizer of optimizers) {
      for (const runner of only) {
        const r = measure(runner, optimizer);
        if (!measured.has(`${runner}/${optimizer}`)) measured.set(`${runner}/${optimizer}`, []);
        measured.get(`${runner}/${optimizer}`).push(r);
      }
    }
  }
  for (const runs of measured.values()) {
    const timed = runs.filter((r) => r.epochSeconds !== undefined);
    if (timed.length === 0) {
      results.push(runs[0]);
      continue;
    }
    timed.sort((a, b) => a.epochSeconds - b.epochSeconds);
    const median = timed[Math.floor((timed.length - 1) / 2)];
    results.push(rounds > 1 ? { ...median, rounds: timed.map((r) => r.epochSeconds) } : median);
  }

  function measure(runner, optimizer) {
    if (runner === 'torch:cpu1' && noTorch) {
      return { runner, optimizer, skipped: noTorch };
    }
    process.stderr.write(`bench:train ${runner} ${optimizer} (${limit} images) ... `);
    const child = spawnSync(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        '--child',
        runner,
        '--optimizer',
        optimizer,
        '--limit',
        String(limit),
        '--epochs',
        String(epochs),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const line = child.stdout.trim().split('\n').at(-1);
    if (child.status !== 0 || !line) {
      // The error's own line (`SomeError: message`), else the last lines of stderr: a stack
      // trace ends with frames, not with what went wrong.
      const lines = child.stderr.trim().split('\n');
      const why = lines.find((l) => /^\w*Error: /.test(l)) ?? lines.slice(-3).join(' | ');
      if (GL_RUNNERS.has(runner) && /unavailable|cannot run/.test(why)) {
        process.stderr.write(`skipped: ${why}\n`);
        return { runner, optimizer, skipped: why };
      }
      process.stderr.write(`failed: ${why}\n`);
      return { runner, optimizer, error: why };
    }
    const r = { ...JSON.parse(line), loadAverage1m: round(loadavg()[0], 2) };
    process.stderr.write(
      `${r.epochSeconds} s/epoch, peak RSS ${r.peakRssMB} MB` +
        `${r.resident ? `, ${(100 * r.resident.readbackShare).toFixed(1)}% waiting in read-backs` : ''}\n`,
    );
    return r;
  }
  const ratios = {};
  const torchRatios = {};
  for (const optimizer of optimizers) {
    const wasm = results.find((r) => r.runner === 'tfjs:wasm' && r.optimizer === optimizer);
    // A peer on a reference BLAS is timed and shown, but no ratio is drawn against it.
    const torch = torchFair
      ? results.find((r) => r.runner === 'torch:cpu1' && r.optimizer === optimizer)
      : undefined;
    for (const r of results) {
      if (r.optimizer !== optimizer || r.engine !== 'custom') continue;
      if (wasm?.epochSeconds)
        ratios[`${r.runner}/${optimizer}`] = round(r.epochSeconds / wasm.epochSeconds, 3);
      if (torch?.epochSeconds)
        torchRatios[`${r.runner}/${optimizer}`] = round(r.epochSeconds / torch.epochSeconds, 3);
    }
  }
  const report = {
    benchmark: 'one epoch, 392-128-64-10 MLP, top half, batch 32',
    samples: limit,
    epochs,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    // The machine is shared: a high load average inflates every time, and not equally (tfjs-wasm
    // suffers far more than the single-threaded custom engine), so read ratios with it.
    loadAverage1mAtEnd: round(loadavg()[0], 2),
    results,
    ratiosToTfjsWasm: ratios,
    target: `custom / tfjs-wasm <= ${TARGET_RATIO}`,
    targetMet: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, v <= TARGET_RATIO])),
    ratiosToPytorch1Thread: torchRatios,
    pytorch: noTorch
      ? { skipped: noTorch }
      : {
          threads: 1,
          setup: torchFound.setup,
          fair: torchFair,
          ...(torchFair ? {} : { leftOutOfRatios: torchFound.why }),
        },
    targetPytorch: Object.entries(TORCH_TARGET_RATIOS)
      .map(([optimizer, ratio]) => `${optimizer}: custom:gpujs / pytorch (1 thread) <= ${ratio}`)
      .join('; '),
    targetPytorchMet: Object.fromEntries(
      Object.entries(torchRatios)
        .filter(([k]) => k.startsWith('custom:gpujs'))
        .map(([k, v]) => [k, v <= (TORCH_TARGET_RATIOS[k.split('/').at(-1)] ?? 1.0)]),
    ),
    peakRssMB: Math.max(...results.filter((r) => r.peakRssMB).map((r) => r.peakRssMB)),
  };
  process.stderr.write(table(results, optimizers, report.loadAverage1mAtEnd, torchFair));
  const outDir = join(here, '..', 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'train.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

/** The engines side by side: seconds per epoch, and each against tfjs-wasm and PyTorch. */
function table(results, optimizers, load, torchFair) {
  const runners = [...new Set(results.map((r) => r.runner))];
  const header = [
    'engine',
    ...optimizers.flatMap((o) => [`${o} s/epoch`, '/ tfjs-wasm', '/ pytorch']),
  ];
  const rows = runners.map((runner) => {
    const cells = [runner];
    for (const optimizer of optimizers) {
      const r = results.find((x) => x.runner === runner && x.optimizer === optimizer);
      const wasm = results.find((x) => x.runner === 'tfjs:wasm' && x.optimizer === optimizer);
      const torch = torchFair
        ? results.find((x) => x.runner === 'torch:cpu1' && x.optimizer === optimizer)
        : undefined;
      if (!r?.epochSeconds) {
        cells.push(r?.skipped ? 'skipped' : 'failed', '', '');
        continue;
      }
      const vs = (peer) =>
        peer?.epochSeconds ? `${(r.epochSeconds / peer.epochSeconds).toFixed(2)}x` : '-';
      cells.push(r.epochSeconds.toFixed(2), vs(wasm), vs(torch));
    }
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `\n${[line(header), ...rows.map(line)].join('\n')}\n(${cpu}; load average ${load}; compare ratios within one run${torchFair ? '' : '; no ratio against PyTorch: it is not a fair peer here'})\n`;
}

function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
