// Kernel benchmark: GFLOP/s and µs per call of each matmul form on each backend and gpu.js
// mode, at the study's batch-32 shapes, plus 1024x392x128 and 512^3; the aggregate over one
// training step's matmuls, also timed inside the WebAssembly modules alone (insideModule: what
// the copies around them cost); and what each kernel-shape choice buys. Runs the compiled package
// (dist/, built by the bench:kernels script). Table on stderr, JSON in
// bench-results/kernels.json (and on stdout with --json).
//
// The machine is shared and has 2 cores, so every figure is a median over interleaved rounds:
// within one shape the configurations take turns, and ratios between them are what to trust.
//
// Every GFLOP/s is also given as a share of this machine's WebAssembly SIMD peak, measured in
// the same run before and after the matmuls (bench/simd-peak.mjs; the higher of the two).
//
// Options: --quick (fewer rounds, no 512^3), --json, FMNIST_BENCH_ROUNDS=N.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPU } from 'gpu.js';
import {
  GpuJsBackend,
  GpuJsGlBackend,
  glModeAvailability,
  gpuJsModeAvailability,
  STUDY_STEP_MATMULS,
} from '../dist/gpujs/index.js';
import { JsBackend, Rng } from '../dist/index.js';
import { measureSimdPeak } from './simd-peak.mjs';

const quick = process.argv.includes('--quick');
const rounds = Number(process.env.FMNIST_BENCH_ROUNDS ?? (quick ? 3 : 7));
const here = dirname(fileURLToPath(import.meta.url));
const log = (line = '') => process.stderr.write(`${line}\n`);

/** The configurations: every backend and mode, and the kernel-shape variants of webasm. */
function configurations() {
  const list = [{ id: 'js', label: 'js (reference ijk loop)', backend: new JsBackend() }];
  const add = (id, label, mode, matmulShape, extra = {}) => {
    const { available, reason } = gpuJsModeAvailability(mode);
    if (!available) {
      log(`skipping ${id}: ${reason}`);
      return;
    }
    const { flatResult, directRun, ...rest } = extra;
    const backend = new GpuJsBackend({ mode, matmulShape, flatResult, directRun });
    list.push({ id, label, backend, ...rest });
  };
  add(
    'webasm',
    'gpujs:webasm default: 4 rows × 2 column blocks/thread (n % 8 = 0; else 4 rows, unroll 2), 2-D reads, flat result',
    'webasm',
  );
  add(
    'webasm-1block',
    'gpujs:webasm default but 1 column block (4 rows/thread, unroll 2: the previous default)',
    'webasm',
    { columnBlocks: 1 },
  );
  add(
    'webasm-blocks-unroll2',
    'gpujs:webasm default but the 2-block reduction unrolled x2',
    'webasm',
    { blockUnroll: 2 },
  );
  add(
    'webasm-naive',
    'gpujs:webasm naive: 1 output/thread, flat reads, nested result',
    'webasm',
    { rowsPerThread: 1, reads: 'flat', unroll: 1 },
    { flatResult: false },
  );
  add('webasm-1row', 'gpujs:webasm default but 1 output/thread', 'webasm', { rowsPerThread: 1 });
  add(
    'webasm-flat',
    'gpujs:webasm 4 rows, flat 1-D reads, unroll 1 (the earlier default)',
    'webasm',
    {
      reads: 'flat',
      unroll: 1,
    },
  );
  add('webasm-nested', 'gpujs:webasm default but nested result', 'webasm', undefined, {
    flatResult: false,
  });
  add(
    'webasm-wrapped',
    "gpujs:webasm default but every call through gpu.js's run()",
    'webasm',
    undefined,
    {
      directRun: false,
    },
  );
  add('webasm-unroll1', 'gpujs:webasm default but the 1-block reduction not unrolled', 'webasm', {
    unroll: 1,
  });
  add('webasm-unroll4', 'gpujs:webasm default but the 1-block reduction unrolled x4', 'webasm', {
    unroll: 4,
  });
  add('webasm-threaded', 'gpujs:webasm default, async (worker threads)', 'webasm', undefined, {
    async: true,
  });
  add('cpu', 'gpujs:cpu (default shape)', 'cpu');
  add('headlessgl', 'gpujs:headlessgl (default shape)', 'headlessgl', undefined, { slow: true });
  const gl = glModeAvailability();
  if (gl.available) {
    list.push({
      id: 'gl',
      label: 'gpujs:gl, device-resident (operands stay on the device; read back per timing)',
      backend: new GpuJsGlBackend(),
      resident: true,
      slow: true,
    });
  } else log(`skipping gl: ${gl.reason}`);
  return list;
}

const HUGE_CONFIGS = new Set(['webasm', 'webasm-naive', 'webasm-threaded']);
const flops = (s) => 2 * s.m * s.k * s.n;

const SHAPES = [
  ...STUDY_STEP_MATMULS.map((s) => ({ ...s, inStep: true })),
  { label: 'dX = dZ1·W1ᵀ (not needed by training)', m: 32, k: 128, n: 392, transposeB: true },
  { label: '1024x392x128 (evaluation batch)', m: 1024, k: 392, n: 128, big: true },
  ...(quick ? [] : [{ label: '512^3', m: 512, k: 512, n: 512, big: true, huge: true }]),
];

function buffers(s, seed) {
  const rng = new Rng(seed);
  const fill = (length) => {
    const a = new Float32Array(length);
    for (let i = 0; i < length; i++) a[i] = rng.uniform(-1, 1);
    return a;
  };
  return {
    a: fill(s.m * s.k),
    b: fill(s.k * s.n),
    bias: s.bias ? fill(s.n) : undefined,
    out: new Float32Array(s.m * s.n),
  };
}

/** The backend's matmul options for shape `s`: its transposes and fused activation, `bias`. */
function matmulOptions(s, bias) {
  return {
    transposeA: s.transposeA ?? false,
    transposeB: s.transposeB ?? false,
    bias,
    ...(s.activation ? { activation: s.activation } : {}),
  };
}

/** µs per call: calls repeated until `budgetMs` has passed (at least one). */
async function timeCalls(config, s, buf, budgetMs) {
  const options = matmulOptions(s, buf.bias);
  const call = config.async
    ? () => config.backend.matmulAsync(buf.a, buf.b, buf.out, s.m, s.k, s.n, options)
    : () => config.backend.matmul(buf.a, buf.b, buf.out, s.m, s.k, s.n, options);
  let calls = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  do {
    await call();
    calls++;
  } while (performance.now() - t0 < budgetMs);
  // A GPU queues its draws: the time is only real once the result is back on the host.
  if (config.resident) config.backend.read(buf.out);
  const wall = ((performance.now() - t0) * 1000) / calls;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / calls };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One gpu.js elementwise kernel against the js loop: why elementwise ops delegate to js. */
function elementwiseProbe() {
  const length = 32 * 128;
  const rng = new Rng(5);
  const x = Float32Array.from({ length }, () => rng.uniform(-1, 1));
  const y = Float32Array.from({ length }, () => rng.uniform(-1, 1));
  const out = new Float32Array(length);
  const js = new JsBackend();
  const gpu = new GPU({ mode: 'webasm' });
  const kernel = gpu.createKernel(
    'function (a, b) { return a[this.thread.x] * b[this.thread.x]; }',
    {
      output: [length],
    },
  );
  kernel(x, y);
  const jsUs = [];
  const gpuUs = [];
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let i = 0; i < 500; i++) js.mul(x, y, out);
    jsUs.push(((performance.now() - t0) * 1000) / 500);
    t0 = performance.now();
    for (let i = 0; i < 500; i++) out.set(kernel(x, y));
    gpuUs.push(((performance.now() - t0) * 1000) / 500);
  }
  void gpu.destroy();
  return { length, jsMicros: median(jsUs), webasmMicros: median(gpuUs) };
}

async function main() {
  const peakBefore = measureSimdPeak({ rounds: quick ? 3 : 7 });
  const configs = configurations();
  const results = [];
  log(
    `kernels bench: ${rounds} interleaved rounds per shape, medians; ${new Date().toISOString()}`,
  );
  for (const [index, s] of SHAPES.entries()) {
    const buf = buffers(s, 100 + index);
    const active = configs.filter((c) => {
      // Threads only engage on >= 4096 output cells per worker; skip shapes where they cannot.
      if (c.async && s.m * s.n < 8192) return false;
      // 512^3 is 268 MFLOP: only the webasm kernels run it (the others take seconds per call).
      return !s.huge || HUGE_CONFIGS.has(c.id);
    });
    // Warm-up: compiles each kernel and lets the wasm tier up before timing.
    for (const c of active) await timeCalls(c, s, buf, 30);
    const samples = new Map(active.map((c) => [c.id, []]));
    const budget = s.huge ? 1 : s.big ? 60 : 25;
    for (let r = 0; r < rounds; r++) {
      for (const c of active) samples.get(c.id).push(await timeCalls(c, s, buf, budget));
    }
    for (const c of active) {
      const micros = median(samples.get(c.id).map((x) => x.wall));
      const cpuMicros = median(samples.get(c.id).map((x) => x.cpu));
      results.push({
        shape: s.label,
        m: s.m,
        k: s.k,
        n: s.n,
        form: s.transposeA ? 'AᵀB' : s.transposeB ? 'ABᵀ' : 'AB',
        fused: [s.bias ? 'bias' : '', s.activation ?? ''].filter(Boolean).join('+') || 'none',
        inStep: Boolean(s.inStep),
        config: c.id,
        micros,
        gflops: flops(s) / micros / 1000,
        // CPU time of the whole process (worker threads included): steadier than wall time
        // on a shared machine, and shows what threads cost.
        cpuMicros,
        cpuGflops: flops(s) / cpuMicros / 1000,
      });
    }
    log(`  measured ${s.label}`);
  }

  const peakAfter = measureSimdPeak({ rounds: quick ? 3 : 7 });
  const simdPeak = peakBefore.gflops >= peakAfter.gflops ? peakBefore : peakAfter;
  const share = (gflops) => gflops / simdPeak.gflops;
  for (const r of results) r.shareOfSimdPeak = share(r.gflops);
  const stepFlops = STUDY_STEP_MATMULS.reduce((sum, s) => sum + flops(s), 0);
  const step = configs
    .filter((c) => !c.async)
    .map((c) => {
      const rows = results.filter((r) => r.inStep && r.config === c.id);
      const micros = rows.reduce((sum, r) => sum + r.micros, 0);
      const cpuMicros = rows.reduce((sum, r) => sum + r.cpuMicros, 0);
      return {
        config: c.id,
        label: c.label,
        micros,
        gflops: stepFlops / micros / 1000,
        cpuMicros,
        cpuGflops: stepFlops / cpuMicros / 1000,
        shareOfSimdPeak: share(stepFlops / micros / 1000),
      };
    });
  const elementwise = elementwiseProbe();
  const inside = insideModule(share);
  const resident = configs.find((c) => c.resident);
  const residentSteps = resident ? residentStep(resident.backend) : null;

  // The table.
  const ids = configs.map((c) => c.id);
  const pad = (v, w) => String(v).padStart(w);
  log('');
  log('GFLOP/s (µs per call) per matmul and configuration:');
  log(`${'shape'.padEnd(44)}${ids.map((id) => pad(id, 20)).join('')}`);
  for (const s of SHAPES) {
    const cells = ids.map((id) => {
      const r = results.find((x) => x.shape === s.label && x.config === id);
      return pad(r ? `${r.gflops.toFixed(2)} (${r.micros.toFixed(0)})` : '-', 20);
    });
    log(`${`${s.label} ${s.m}x${s.k}x${s.n}`.slice(0, 43).padEnd(44)}${cells.join('')}`);
  }
  log('');
  log(
    `WebAssembly SIMD peak of one core here: ${simdPeak.gflops.toFixed(1)} GFLOP/s (${simdPeak.what}; before the matmuls ${peakBefore.gflops.toFixed(1)}, after ${peakAfter.gflops.toFixed(1)})`,
  );
  log(`one training step's matmuls (${(stepFlops / 1e6).toFixed(2)} MFLOP), aggregate:`);
  for (const r of step) {
    log(
      `  ${r.label.padEnd(66)} ${r.gflops.toFixed(2)} GFLOP/s ${r.micros.toFixed(0).padStart(6)} µs/step` +
        ` = ${(100 * r.shareOfSimdPeak).toFixed(0).padStart(3)}% of the SIMD peak` +
        `   (CPU time: ${r.cpuGflops.toFixed(2)} GFLOP/s, ${r.cpuMicros.toFixed(0)} µs)`,
    );
  }
  log('the study-step matmuls on gpujs:webasm, as a share of the SIMD peak:');
  for (const r of results.filter((x) => x.inStep && x.config === 'webasm')) {
    log(
      `  ${`${r.shape} ${r.m}x${r.k}x${r.n}`.padEnd(50)} ${r.gflops.toFixed(2).padStart(6)} GFLOP/s = ${(100 * r.shareOfSimdPeak).toFixed(0).padStart(3)}%`,
    );
  }
  if (inside) {
    log(
      `one training step's matmuls on gpujs:webasm timed inside its modules (the WebAssembly calls alone, not the copies in and out): ` +
        `${inside.stepMicros.toFixed(0)} µs of ${inside.stepWallMicros.toFixed(0)} µs per step = ` +
        `${(100 * inside.stepShareOfSimdPeak).toFixed(0)}% of the SIMD peak inside, ${(100 * inside.stepWallShareOfSimdPeak).toFixed(0)}% with the copies`,
    );
  }
  log('');
  log(
    `elementwise add of ${elementwise.length} floats: js ${elementwise.jsMicros.toFixed(1)} µs, ` +
      `gpu.js webasm kernel ${elementwise.webasmMicros.toFixed(1)} µs (why elementwise ops delegate to js)`,
  );

  if (residentSteps) {
    log('');
    log(
      `gpujs:gl, one training step's matmuls chained on the device: ${residentSteps.stepMicros.toFixed(0)} µs/step ` +
        `with one read-back at the end (${residentSteps.readMicros.toFixed(0)} µs of it waiting in the read-back, ` +
        `${(100 * residentSteps.readShare).toFixed(0)}%); reading back every product instead: ` +
        `${residentSteps.everyProductMicros.toFixed(0)} µs/step`,
    );
  }

  const report = {
    date: new Date().toISOString(),
    loadAverage: os.loadavg(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    node: process.version,
    rounds,
    simdPeak: { ...simdPeak, before: peakBefore.gflops, after: peakAfter.gflops },
    configs: configs.map((c) => ({ id: c.id, label: c.label, backend: c.backend.name })),
    results,
    step: { mflop: stepFlops / 1e6, perConfig: step },
    elementwise,
    residentStep: residentSteps,
    insideModule: inside,
  };
  const file = join(here, '..', 'bench-results', 'kernels.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`\nwrote ${file}`);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(report)}\n`);
  for (const c of configs) c.backend.dispose();
}

/**
 * One training step's matmuls on a fresh gpujs:webasm backend (the default shape), each timed
 * twice over: the whole call, and only the calls into its compiled WebAssembly module (its
 * exported run/run_simd, wrapped while the backend builds its kernels), so what the copies of
 * operands and products around the module cost shows. Medians of `rounds` rounds of 400 calls;
 * the wrapper's own clock reads (two per call) are in the inside figure, not taken out.
 */
function insideModule(share) {
  if (!gpuJsModeAvailability('webasm').available) return null;
  const wasm = globalThis.WebAssembly;
  const Original = wasm.Instance;
  const clock = { ns: 0n };
  // gpu.js calls `new WebAssembly.Instance(module, imports)`; what a constructor returns stands.
  wasm.Instance = function Timed(module, imports) {
    const instance = new Original(module, imports);
    const exports = {};
    for (const [name, value] of Object.entries(instance.exports)) {
      exports[name] =
        typeof value === 'function' && (name === 'run' || name === 'run_simd')
          ? (...args) => {
              const t0 = process.hrtime.bigint();
              const result = value(...args);
              clock.ns += process.hrtime.bigint() - t0;
              return result;
            }
          : value;
    }
    return { exports };
  };
  const backend = new GpuJsBackend({ mode: 'webasm' });
  const products = [];
  try {
    for (const [index, s] of STUDY_STEP_MATMULS.entries()) {
      const buf = buffers(s, 300 + index);
      const options = matmulOptions(s, buf.bias);
      const call = () => backend.matmul(buf.a, buf.b, buf.out, s.m, s.k, s.n, options);
      for (let i = 0; i < 200; i++) call(); // builds the kernel (wrapped), lets it tier up
      const wall = [];
      const inner = [];
      for (let r = 0; r < rounds; r++) {
        clock.ns = 0n;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < 400; i++) call();
        wall.push(Number(process.hrtime.bigint() - t0) / 400 / 1000);
        inner.push(Number(clock.ns) / 400 / 1000);
      }
      const micros = median(inner);
      const wallMicros = median(wall);
      products.push({
        shape: s.label,
        micros,
        wallMicros,
        shareOfSimdPeak: share(flops(s) / micros / 1000),
        wallShareOfSimdPeak: share(flops(s) / wallMicros / 1000),
      });
    }
  } finally {
    wasm.Instance = Original;
    backend.dispose();
  }
  const stepFlops = STUDY_STEP_MATMULS.reduce((sum, s) => sum + flops(s), 0);
  const stepMicros = products.reduce((sum, p) => sum + p.micros, 0);
  const stepWallMicros = products.reduce((sum, p) => sum + p.wallMicros, 0);
  return {
    products,
    stepMicros,
    stepWallMicros,
    stepShareOfSimdPeak: share(stepFlops / stepMicros / 1000),
    stepWallShareOfSimdPeak: share(stepFlops / stepWallMicros / 1000),
  };
}

/**
 * gpujs:gl's step: the eight matmuls of a training step chained with their outputs on the
 * device and one read-back at the end (where the host waits for the GPU), against the same with
 * every product read back (what a host backend on a GPU does). Medians of `rounds` x 10 steps.
 */
function residentStep(backend) {
  const bufs = STUDY_STEP_MATMULS.map((s, i) => ({ s, ...buffers({ ...s, bias: true }, 200 + i) }));
  const run = (readEach) => {
    for (const { s, a, b, bias, out } of bufs) {
      backend.matmul(a, b, out, s.m, s.k, s.n, matmulOptions(s, s.bias ? bias : undefined));
      if (readEach) backend.read(out);
    }
  };
  const last = bufs[bufs.length - 1].out;
  run(true); // compile, and put every operand on the device
  const step = [];
  const read = [];
  const every = [];
  for (let r = 0; r < rounds; r++) {
    let queued = 0;
    let waited = 0;
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      run(false);
      const t1 = performance.now();
      backend.read(last);
      const t2 = performance.now();
      queued += t1 - t0;
      waited += t2 - t1;
    }
    step.push(((queued + waited) * 1000) / 10);
    read.push((waited * 1000) / 10);
    const t3 = performance.now();
    for (let i = 0; i < 10; i++) run(true);
    every.push(((performance.now() - t3) * 1000) / 10);
  }
  const stepMicros = median(step);
  const readMicros = median(read);
  return {
    backend: backend.name,
    describe: backend.describe(),
    stepMicros,
    readMicros,
    readShare: readMicros / stepMicros,
    everyProductMicros: median(every),
  };
}

main().then(
  () => process.exit(0), // worker pools of threaded kernels would otherwise keep node alive
  (error) => {
    process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
