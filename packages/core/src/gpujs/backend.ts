import { GPU, type IGPUKernelSettings, type IKernelRunShortcut, Input } from 'gpu.js';
import type { Backend, FloatArray, MatmulOptions } from '../backend.js';
import { JsBackend } from '../js-backend.js';

/** The gpu.js modes this backend runs in (the ones that work in Node; see FACTS.md). */
export const GPUJS_MODES = ['webasm', 'cpu', 'headlessgl'] as const;
export type GpuJsMode = (typeof GPUJS_MODES)[number];

/** Thrown when a gpu.js mode cannot run here; the message says why and what to do. */
export class GpuJsUnavailableError extends Error {
  override readonly name = 'GpuJsUnavailableError';
}

/**
 * Whether `mode` can run in this process, and if not, why (for skip messages and `auto`).
 * headlessgl needs the `gl` addon and a display (`xvfb-run -a` gives one).
 */
export function gpuJsModeAvailability(mode: GpuJsMode): { available: boolean; reason: string } {
  switch (mode) {
    case 'cpu':
      return { available: true, reason: 'always available' };
    case 'webasm':
      return GPU.isWebAssemblySupported
        ? { available: true, reason: 'WebAssembly is supported' }
        : { available: false, reason: 'WebAssembly is not supported by this runtime' };
    case 'headlessgl':
      return GPU.isHeadlessGLSupported
        ? { available: true, reason: 'headless-gl context created' }
        : {
            available: false,
            reason:
              'the gl addon did not load or could not create a context (is it built? on Linux it needs a display: run under xvfb-run -a)',
          };
  }
}

/**
 * How a matmul kernel is shaped. `rowsPerThread` output rows per gpu.js thread (1, 2 or 4:
 * a thread returns Array(rows)), and `unroll` reduction steps per loop trip. `reads` says how
 * the kernel indexes its operands: `2d` (the default) passes them as 2-D gpu.js `Input`s and
 * reads `a[row][i]`; `flat` is the earlier 1-D form with running indices, kept for the
 * benchmark. The defaults are what bench/kernels measured fastest; the bench also runs the
 * others to show what each bought.
 */
export interface MatmulKernelShape {
  rowsPerThread: 1 | 2 | 4;
  unroll: number;
  reads: '2d' | 'flat';
}

export const DEFAULT_MATMUL_SHAPE: MatmulKernelShape = {
  rowsPerThread: 4,
  unroll: 2,
  reads: '2d',
};

export interface GpuJsBackendOptions {
  /** Which gpu.js mode; default `webasm`. */
  mode?: GpuJsMode;
  /** Kernel shape override, for benchmarks. */
  matmulShape?: Partial<MatmulKernelShape>;
  /** How many compiled matmul kernels to keep (one per shape and option set). */
  kernelCacheSize?: number;
  /** webasm: read results from gpu.js's flat array (default true; false for benchmarks). */
  flatResult?: boolean;
  /**
   * webasm: after a kernel's first call, drive its compiled module directly (see
   * `directDispatch`) instead of through gpu.js's per-call wrapper (default true; false for
   * benchmarks). Needs `flatResult`.
   */
  directRun?: boolean;
}

/** One compiled matmul kernel: its gpu.js function and how to feed it and read it back. */
interface MatmulKernel {
  run: IKernelRunShortcut;
  rows: number;
  hasBias: boolean;
  /**
   * `2d` reads: the two operands as reusable gpu.js `Input`s (only `.value` changes per call,
   * so a call allocates nothing); null for `flat` reads.
   */
  inputs: [ArrayInput, ArrayInput] | null;
  /** The kernel reads b as stored k×n: a transposed b is copied into this first. */
  bTransposed: Float32Array | null;
  /** webasm: its compiled module, once a first call through gpu.js has built it. */
  direct: DirectModule | null;
}

/**
 * Writes the gpu.js kernel source for one matmul shape, with every size baked in as a literal.
 *
 * Why this shape (bench/kernels, process CPU time per call on the 2-core machine; the webasm
 * module was disassembled with wabt to see what each form compiles to):
 * - Thread (x, y) computes out[rows*y + q][x] for q < rows and returns Array(rows). On webasm the
 *   four SIMD lanes are four consecutive x, so a read that depends on x (the B operand) is a
 *   gather (4 scalar loads and lane inserts) while a read of A is one load + splat: with 4 rows
 *   each gathered B value feeds 16 multiply-adds instead of 4. 1.8x over 1 row per thread.
 * - `2d` reads: gpu.js 2.24.1's webasm codegen keeps every kernel local in f32 (its analysis
 *   pass records each integer literal's type, so the bytecode passes see an Integer initialiser
 *   and decay the local to f32; the earlier `let ai = 0; ai++` trick never took effect), so a
 *   flat `a[ai + 392]` costs an f32 add and an f32->i32 truncation per read. Read as
 *   multi-dimensional `Input`s, the row parts are i32 arithmetic on `this.thread.y` and
 *   literals, and the only f32 index is the loop counter `i`, truncated once per step (V8
 *   shares the truncation between the reads of one step). a is 3-D, [row block][q][i], so q
 *   folds into the address as a constant.
 * - b is read as stored k×n (`b[i][x]`): a transposed b (a weight, small) is copied into that
 *   layout first, because `b[x][i]` multiplies the lane indices by k in every step.
 * - `unroll` 2 with `2d` reads: one training step's matmuls take 0.82x the time of `flat`
 *   reads unrolled 1 (the earlier default); `2d` unrolled 1 is slower on the forward shapes
 *   (1.2x) and faster on the Aᵀ·B ones, `flat` unrolled 2 is 1.05x, unroll 4 no better than 2
 *   (paired per-call medians, bench/kernels and a paired A/B run, machine under load).
 * - Sizes as literals: the kernel is compiled per shape anyway (gpu.js fixes output sizes).
 * - Bias and ReLU fused into the same pass: no second kernel call, no second trip through out.
 */
export function matmulKernelSource(
  m: number,
  k: number,
  n: number,
  options: { transposeA: boolean; transposeB: boolean; bias: boolean; relu: boolean },
  shape: MatmulKernelShape,
): string {
  const { rowsPerThread: rows } = shape;
  const unrolled = Math.max(1, Math.min(shape.unroll, k));
  const mainTrips = Math.floor(k / unrolled) * unrolled;
  const sums = Array.from({ length: rows }, (_, q) => `s${q}`);
  let declarations: string[];
  let loop: string[];
  let tail: string[];
  if (shape.reads === '2d') {
    // One reduction step at index expression `i`: one (gathered) read of b, `rows` reads of a.
    const step = (i: string): string => {
      const lines = [`bv = b[${i}][this.thread.x];`];
      for (let q = 0; q < rows; q++) {
        // a as 3-D: the thread's block of rows is one axis and q another, so q folds into the
        // address as a constant instead of costing an add and a multiply per read.
        const aRead = options.transposeA
          ? `a[${i}][this.thread.y][${q}]`
          : `a[this.thread.y][${q}][${i}]`;
        lines.push(`s${q} += ${aRead} * bv;`);
      }
      return lines.join(' ');
    };
    declarations = ['let bv = 0.0;'];
    const body: string[] = [];
    for (let u = 0; u < unrolled; u++) body.push(step(u === 0 ? 'i' : `i + ${u}`));
    loop = [`for (let i = 0; i < ${mainTrips}; i += ${unrolled}) {`, ...body, '}'];
    tail = [];
    for (let i = mainTrips; i < k; i++) tail.push(step(String(i)));
  } else {
    // Step from one reduction index to the next in a and b, and from one output row to the next.
    const aStep = options.transposeA ? m : 1;
    const aRow = options.transposeA ? 1 : k;
    const bStep = options.transposeB ? 1 : n;
    const step = (u: number): string => {
      const bRead = u === 0 ? 'b[bi]' : `b[bi + ${u * bStep}]`;
      const lines = [`bv = ${bRead};`];
      for (let q = 0; q < rows; q++) {
        const offset = q * aRow + u * aStep;
        lines.push(`s${q} += a[${offset === 0 ? 'ai' : `ai + ${offset}`}] * bv;`);
      }
      return lines.join(' ');
    };
    declarations = [
      `let ai = this.thread.y * ${rows * aRow};`,
      `let bi = ${options.transposeB ? `this.thread.x * ${k}` : 'this.thread.x'};`,
      'let bv = 0.0;',
    ];
    const body: string[] = [];
    for (let u = 0; u < unrolled; u++) body.push(step(u));
    loop = [
      `for (let i = 0; i < ${mainTrips / unrolled}; i++) {`,
      ...body,
      `ai += ${unrolled * aStep}; bi += ${unrolled * bStep};`,
      '}',
    ];
    tail = [];
    for (let u = 0; u < k - mainTrips; u++) tail.push(step(u));
  }
  const finish = sums.map((s) => {
    const biased = options.bias ? `${s} + bx` : s;
    return options.relu ? `Math.max(${biased}, 0.0)` : biased;
  });
  const result = rows === 1 ? finish[0] : `[${finish.join(', ')}]`;
  return [
    `function (a, b${options.bias ? ', bias' : ''}) {`,
    sums.map((s) => `let ${s} = 0.0;`).join(' '),
    ...declarations,
    ...(mainTrips > 0 ? loop : []),
    ...tail,
    options.bias ? 'const bx = bias[this.thread.x];' : '',
    `return ${result};`,
    '}',
  ].join('\n');
}

/** The largest supported rows-per-thread that divides m (odd batch sizes fall back to 1). */
function rowsFor(m: number, wanted: number): 1 | 2 | 4 {
  if (wanted >= 4 && m % 4 === 0) return 4;
  if (wanted >= 2 && m % 2 === 0) return 2;
  return 1;
}

/**
 * The gpu.js backend: matrix products run as gpu.js kernels in one of its modes (`webasm`:
 * WebAssembly with f32x4 SIMD, synchronous and single-threaded; `cpu`: gpu.js's JavaScript
 * translation; `headlessgl`: WebGL through the `gl` addon, on Mesa's software rasteriser here).
 *
 * Elementwise ops and reductions delegate to the js reference: at the study's sizes (at most
 * 32×128 elements) one gpu.js call costs tens of microseconds of argument upload, dispatch and
 * readback (bench/kernels measures an `add` kernel against the js loop), more than the whole
 * loop costs in plain JS. Matmul is where the FLOPs are.
 *
 * Inputs may be Float64Array: gpu.js computes in float32 whatever it is given (values are
 * rounded to float32 as they are uploaded), and results are written into `out` as they come.
 * Use the js backend for float64 gradient checks.
 */
export class GpuJsBackend implements Backend {
  readonly name: string;
  readonly mode: GpuJsMode;
  readonly matmulShape: MatmulKernelShape;
  readonly #gpu: GPU;
  readonly #js = new JsBackend();
  readonly #kernels = new Map<string, MatmulKernel>();
  readonly #cacheSize: number;
  readonly #flatResult: boolean;
  readonly #directRun: boolean;
  #disposed = false;

  constructor(options: GpuJsBackendOptions = {}) {
    this.mode = options.mode ?? 'webasm';
    const availability = gpuJsModeAvailability(this.mode);
    if (!availability.available) {
      throw new GpuJsUnavailableError(
        `gpu.js mode '${this.mode}' is unavailable: ${availability.reason}. ` +
          "Choose another backend (e.g. FMNIST_BACKEND=gpujs:webasm or 'js').",
      );
    }
    this.matmulShape = { ...DEFAULT_MATMUL_SHAPE, ...options.matmulShape };
    this.name = `gpujs:${this.mode}`;
    this.#cacheSize = options.kernelCacheSize ?? 64;
    this.#flatResult = options.flatResult ?? true;
    this.#directRun = this.mode === 'webasm' && this.#flatResult && (options.directRun ?? true);
    this.#gpu = new GPU({ mode: this.mode });
  }

  matmul(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    m: number,
    k: number,
    n: number,
    options: MatmulOptions = {},
  ): void {
    this.#assertLive();
    const transposeA = options.transposeA ?? false;
    const transposeB = options.transposeB ?? false;
    const relu = options.relu ?? false;
    const bias = options.bias;
    checkMatmulSizes(a, b, out, m, k, n, bias);
    if (k === 0) {
      // No reduction: the product is zero; gpu.js cannot compile an empty loop into a kernel.
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const v = bias ? bias[j]! : 0;
          out[i * n + j] = relu && v < 0 ? 0 : v;
        }
      }
      return;
    }
    const kernel = this.#kernel(m, k, n, transposeA, transposeB, bias !== undefined, relu);
    const direct = kernel.direct;
    if (direct && direct.entry === direct.owner._active && direct.entry.f32) {
      const stored = kernel.bTransposed ? transposeInto(b, kernel.bTransposed, k, n) : b;
      const memory = direct.entry.f32;
      memory.set(a, direct.argOffsets[0]!);
      memory.set(stored, direct.argOffsets[1]!);
      if (bias) memory.set(bias, direct.argOffsets[2]!);
      direct.dispatch(
        direct.entry.run,
        direct.entry.runSimd,
        direct.entry.cells,
        direct.entry.sizeX,
        0,
      );
      unpackFlat(memory, direct.entry.layout.outputOffset / 4, out, m, n, kernel.rows);
      return;
    }
    const result = runKernel(kernel, a, b, bias, k, n);
    unpackRows(result as unknown as Float32Array | KernelRows, out, m, n, kernel.rows);
    if (this.#directRun) kernel.direct = directModule(kernel.run, kernel.hasBias ? 3 : 2, m * n);
  }

  /**
   * The same product under gpu.js's async contract (`asyncMode`), where webasm splits a kernel
   * across a worker pool (worker_threads over one shared WebAssembly.Memory). gpu.js only
   * threads kernels with at least 4096 output cells, one worker per 4096, so at batch 32 only
   * the first layer's weight gradient (392×128) is split; the bench measures what it buys.
   * Not part of `Backend`: the training loop is synchronous. Other modes resolve synchronously.
   */
  async matmulAsync(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    m: number,
    k: number,
    n: number,
    options: MatmulOptions = {},
  ): Promise<void> {
    this.#assertLive();
    const bias = options.bias;
    checkMatmulSizes(a, b, out, m, k, n, bias);
    if (k === 0) {
      this.matmul(a, b, out, m, k, n, options);
      return;
    }
    const kernel = this.#kernel(
      m,
      k,
      n,
      options.transposeA ?? false,
      options.transposeB ?? false,
      bias !== undefined,
      options.relu ?? false,
      true,
    );
    const result = await runKernel(kernel, a, b, bias, k, n);
    unpackRows(result as unknown as Float32Array | KernelRows, out, m, n, kernel.rows);
  }

  /** Builds (or finds) the kernel for one shape and option set; kernels are never rebuilt. */
  #kernel(
    m: number,
    k: number,
    n: number,
    transposeA: boolean,
    transposeB: boolean,
    bias: boolean,
    relu: boolean,
    asyncMode = false,
  ): MatmulKernel {
    const key = `${asyncMode ? 'async:' : ''}${m}x${k}x${n}${transposeA ? 'T' : ''}${transposeB ? 't' : ''}${bias ? 'b' : ''}${relu ? 'r' : ''}`;
    const cached = this.#kernels.get(key);
    if (cached) {
      // Map order is insertion order: move to the back so eviction drops the least recent.
      this.#kernels.delete(key);
      this.#kernels.set(key, cached);
      return cached;
    }
    const rows = rowsFor(m, this.matmulShape.rowsPerThread);
    const twoD = this.matmulShape.reads === '2d';
    const source = matmulKernelSource(
      m,
      k,
      n,
      { transposeA, transposeB, bias, relu },
      { ...this.matmulShape, rowsPerThread: rows },
    );
    // `returnType` and `loopMaxIterations` are honoured by gpu.js but missing from its typings,
    // hence the wider type.
    const settings: IGPUKernelSettings & { returnType: string; loopMaxIterations: number } = {
      output: [n, m / rows],
      returnType: rows === 1 ? 'Number' : `Array(${rows})`,
      // Each kernel sees one size per argument; a fresh kernel per shape keeps it that way.
      dynamicArguments: false,
      tactic: 'precision',
      // The reduction loop is a literal-bounded counted loop, which gpu.js runs unbounded;
      // this only matters if it ever stops recognising it (its cap is otherwise 1000 trips).
      loopMaxIterations: Math.max(1000, k + 1),
      asyncMode,
    };
    const run = this.#gpu.createKernel(source, settings);
    if (this.mode === 'webasm' && this.#flatResult) keepFlatResult(run);
    // Input sizes are [width, height, depth]: a (m×k) is read a[rowBlock][q][i] (a[i][rowBlock][q]
    // when stored k×m), b always as stored k×n, b[i][col].
    const inputs: [ArrayInput, ArrayInput] | null = twoD
      ? [
          arrayInput(m * k, transposeA ? [rows, m / rows, k] : [k, rows, m / rows]),
          arrayInput(k * n, [n, k]),
        ]
      : null;
    const bTransposed = twoD && transposeB ? new Float32Array(k * n) : null;
    const kernel: MatmulKernel = { run, rows, hasBias: bias, inputs, bTransposed, direct: null };
    this.#kernels.set(key, kernel);
    if (this.#kernels.size > this.#cacheSize) {
      const [oldestKey, oldest] = this.#kernels.entries().next().value as [string, MatmulKernel];
      this.#kernels.delete(oldestKey);
      // Kernel destroy() may return a Promise (async contract); see dispose() for why it is dropped.
      Promise.resolve(oldest.run.destroy()).catch(() => undefined);
    }
    return kernel;
  }

  /** How many matmul kernels are compiled (tests check they are reused, not rebuilt). */
  get compiledKernelCount(): number {
    return this.#kernels.size;
  }

  mul(a: FloatArray, b: FloatArray, out: FloatArray): void {
    this.#js.mul(a, b, out);
  }
  reluBackward(dy: FloatArray, y: FloatArray, out: FloatArray): void {
    this.#js.reluBackward(dy, y, out);
  }
  softmaxRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
    this.#js.softmaxRows(x, out, rows, cols);
  }
  sumRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
    this.#js.sumRows(x, out, rows, cols);
  }

  describe(): string {
    const how = {
      webasm: 'WebAssembly with f32x4 SIMD, synchronous, one thread',
      cpu: 'kernels translated to JavaScript',
      headlessgl: 'WebGL through headless-gl (Mesa software rasteriser without a GPU)',
    }[this.mode];
    const s = this.matmulShape;
    return (
      `${this.name}: gpu.js ${how}; matmul kernels with ${s.rowsPerThread} output rows per ` +
      `thread, ${s.reads} reads, unroll ${s.unroll}, fused bias+ReLU; ` +
      'elementwise ops and reductions run the js loops'
    );
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#kernels.clear();
    // gpu.js tears down on the next tick and reports through a Promise; nothing here can act
    // on a failure to free memory at the end, so it is dropped rather than left unhandled.
    this.#gpu.destroy().catch(() => undefined);
  }

  #assertLive(): void {
    if (this.#disposed) throw new Error(`${this.name} backend was disposed; create a new one.`);
  }
}

/** A gpu.js `Input` over a typed array (its typings say number[]; it takes any array). */
type ArrayInput = Omit<Input, 'value'> & { value: FloatArray };

function arrayInput(length: number, size: [number, number] | [number, number, number]): ArrayInput {
  return new Input(new Float32Array(length) as unknown as number[], size) as unknown as ArrayInput;
}

/**
 * Calls a compiled kernel. `2d` kernels take their operands as the kernel's reusable `Input`s
 * (gpu.js copies an Input's value into its memory exactly as it copies a plain array), with a
 * transposed b (n×k) first copied into the k×n layout the kernel reads.
 */
function runKernel(
  kernel: MatmulKernel,
  a: FloatArray,
  b: FloatArray,
  bias: FloatArray | undefined,
  k: number,
  n: number,
): unknown {
  let left: FloatArray | ArrayInput = a;
  let right: FloatArray | ArrayInput = b;
  if (kernel.inputs) {
    const stored = kernel.bTransposed ? transposeInto(b, kernel.bTransposed, k, n) : b;
    kernel.inputs[0].value = a;
    kernel.inputs[1].value = stored;
    [left, right] = kernel.inputs;
  }
  // gpu.js's run shortcut is typed for its own argument union; Input and typed arrays are in it.
  const run = kernel.run as unknown as (...args: unknown[]) => unknown;
  return kernel.hasBias ? run(left, right, bias) : run(left, right);
}

/** b is n×k; writes bᵀ (k×n) into `bt`. Weights only (at most 128×64 here): microseconds. */
function transposeInto(b: FloatArray, bt: Float32Array, k: number, n: number): Float32Array {
  for (let j = 0; j < n; j++) {
    const row = j * k;
    for (let i = 0; i < k; i++) bt[i * n + j] = b[row + i]!;
  }
  return bt;
}

/**
 * What gpu.js 2.24.1's webasm kernel keeps per compiled module (`_instantiate` in
 * web-assembly/kernel.js): one wasm memory laid out `[ args | output ]` and the module's
 * exported `run`/`run_simd(start, end, seed)` loops. Internals, not in its typings.
 */
interface WasmModuleEntry {
  shared: boolean;
  cells: number;
  sizeX: number;
  f32: Float32Array | null;
  layout: {
    arrays: Record<string, { index: number; offset: number; flatLength: number }>;
    scalars: Record<string, unknown>;
    outputOffset: number;
  };
  run: (start: number, end: number, seed: number) => void;
  runSimd: ((start: number, end: number, seed: number) => void) | null;
}

type DispatchSpans = (
  run: WasmModuleEntry['run'],
  runSimd: WasmModuleEntry['runSimd'],
  cells: number,
  sizeX: number,
  seed: number,
) => string;

interface DirectModule {
  owner: { _active: WasmModuleEntry | null };
  entry: WasmModuleEntry;
  /** Float offsets in the module's memory of the kernel's arguments (a, b[, bias]). */
  argOffsets: number[];
  dispatch: DispatchSpans;
}

/**
 * gpu.js's per-call wrapper (`run()` in web-assembly/kernel.js) recomputes a size signature
 * string, the dimensions of every argument, and copies the output out of wasm memory with
 * `slice` before we copy it again into `out`; at batch 32 that is a sizeable share of the
 * smaller products. Once gpu.js has built a kernel, its compiled module is fixed (sizes are
 * baked in), so the backend can do exactly what that wrapper does for a kernel like ours
 * (arrays only, no random, not threaded): copy the arguments into the module's memory, call
 * gpu.js's own `dispatchSpans` over the module's `run`/`run_simd`, and read the output where the
 * module wrote it. The arithmetic is gpu.js's compiled kernel either way. Internals of gpu.js,
 * hence the exact version pin and the checks: if anything differs, this returns null and the
 * kernel keeps going through `run()`.
 */
function directModule(
  run: IKernelRunShortcut,
  argumentCount: number,
  outputLength: number,
): DirectModule | null {
  const owner = run.kernel as unknown as {
    _active?: WasmModuleEntry | null;
    usesRandom?: boolean;
    componentCount?: number;
    constructor: { dispatchSpans?: DispatchSpans };
  };
  const entry = owner._active;
  const dispatchSpans = owner.constructor.dispatchSpans;
  if (!entry?.f32 || entry.shared || owner.usesRandom !== false) return null;
  if (typeof dispatchSpans !== 'function' || typeof entry.run !== 'function') return null;
  if (Object.keys(entry.layout.scalars).length !== 0) return null;
  if (entry.cells * (owner.componentCount ?? 0) !== outputLength) return null;
  const records = Object.values(entry.layout.arrays);
  if (records.length !== argumentCount) return null;
  const argOffsets: number[] = [];
  for (const record of records) argOffsets[record.index] = record.offset / 4;
  if (argOffsets.some((offset) => offset === undefined)) return null;
  return {
    owner: owner as DirectModule['owner'],
    entry,
    argOffsets,
    dispatch: dispatchSpans.bind(owner.constructor),
  };
}

/**
 * gpu.js webasm shapes a 2-D result as one subarray per row, and an Array(r) result as one
 * subarray per output cell: 12,544 objects for the 392×128 weight gradient, about 1 ms, more
 * than its arithmetic. Its kernels compute into one flat array first (`_shapeOutput(data, ...)`
 * in web-assembly/kernel.js); this makes that kernel instance return the flat array as it is.
 * An internal of gpu.js, hence the exact version pin in package.json and the guard: if the
 * method is gone, results keep gpu.js's shape and `unpackRows` walks them.
 */
function keepFlatResult(run: IKernelRunShortcut): void {
  // `_shapeOutput` is not in gpu.js's typings: it is an internal method of WebAssemblyKernel.
  const kernel = run.kernel as unknown as { _shapeOutput?: (data: Float32Array) => unknown };
  if (typeof kernel._shapeOutput === 'function') kernel._shapeOutput = (data) => data;
}

/** What a 2-D gpu.js kernel returns: rows of numbers (Number) or rows of cells (Array(r)). */
type KernelRows = ArrayLike<ArrayLike<number> | ArrayLike<ArrayLike<number>>>;

/**
 * Copies a kernel result into the row-major `out`. Cell (x=j, y=r) component q holds
 * out[rows*r + q][j]. The result is either flat (webasm, see keepFlatResult), or nested; where
 * the nested views share one contiguous buffer (GL with Array(r) returns) that buffer is read
 * directly instead of walking thousands of views.
 */
function unpackRows(
  result: Float32Array | KernelRows,
  out: FloatArray,
  m: number,
  n: number,
  rows: number,
): void {
  let flat: Float32Array | null = result instanceof Float32Array ? result : null;
  if (!flat && rows === 1) {
    const nested = result as KernelRows;
    flat = contiguous(nested[0] as Float32Array, nested[m - 1] as Float32Array, m * n);
    if (!flat) {
      for (let i = 0; i < m; i++) out.set(nested[i] as Float32Array, i * n);
      return;
    }
  } else if (!flat) {
    const nested = result as KernelRows;
    const lastRow = nested[m / rows - 1] as Float32Array[];
    flat = contiguous((nested[0] as Float32Array[])[0]!, lastRow[n - 1]!, m * n);
    if (!flat) {
      for (let r = 0; r < m / rows; r++) {
        const row = nested[r] as Float32Array[];
        const base = r * rows * n;
        for (let j = 0; j < n; j++) {
          const cell = row[j]!;
          for (let q = 0; q < rows; q++) out[base + q * n + j] = cell[q]!;
        }
      }
      return;
    }
  }
  unpackFlat(flat, 0, out, m, n, rows);
}

/** unpackRows for a flat result starting at `start` in `flat`. */
function unpackFlat(
  flat: Float32Array,
  start: number,
  out: FloatArray,
  m: number,
  n: number,
  rows: number,
): void {
  if (rows === 1) {
    out.set(flat.subarray(start, start + m * n));
    return;
  }
  if (rows === 4) {
    // The default shape, written out: without the inner q loop this runs in half the time
    // (50,176 values of the 392×128 weight gradient every step).
    const n2 = 2 * n;
    const n3 = 3 * n;
    for (let r = 0, src = start; r < m / 4; r++) {
      const base = r * 4 * n;
      for (let j = 0; j < n; j++, src += 4) {
        const o = base + j;
        out[o] = flat[src]!;
        out[o + n] = flat[src + 1]!;
        out[o + n2] = flat[src + 2]!;
        out[o + n3] = flat[src + 3]!;
      }
    }
    return;
  }
  for (let r = 0, src = start; r < m / rows; r++) {
    const base = r * rows * n;
    for (let j = 0; j < n; j++) {
      for (let q = 0; q < rows; q++) out[base + q * n + j] = flat[src++]!;
    }
  }
}

/** The flat Float32Array of `length` that starts at `first`, if `last` ends exactly there. */
function contiguous(first: Float32Array, last: Float32Array, length: number): Float32Array | null {
  if (!(first instanceof Float32Array) || !(last instanceof Float32Array)) return null;
  if (first.buffer !== last.buffer) return null;
  if (last.byteOffset + last.byteLength !== first.byteOffset + length * 4) return null;
  return new Float32Array(first.buffer, first.byteOffset, length);
}

/** Thrown when a kernel's arrays do not hold the sizes its arguments claim. */
export class KernelSizeError extends RangeError {
  override readonly name = 'KernelSizeError';
}

export function checkMatmulSizes(
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  m: number,
  k: number,
  n: number,
  bias: FloatArray | undefined,
): void {
  const problems: string[] = [];
  if (a.length !== m * k) problems.push(`a has ${a.length} values, expected m*k = ${m * k}`);
  if (b.length !== k * n) problems.push(`b has ${b.length} values, expected k*n = ${k * n}`);
  if (out.length !== m * n) problems.push(`out has ${out.length} values, expected m*n = ${m * n}`);
  if (bias && bias.length !== n) problems.push(`bias has ${bias.length} values, expected n = ${n}`);
  if (problems.length > 0) {
    throw new KernelSizeError(`matmul(m=${m}, k=${k}, n=${n}): ${problems.join('; ')}.`);
  }
}
