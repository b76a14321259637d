import {
  CPUKernel,
  GPU,
  HeadlessGLKernel,
  type IGPUKernelSettings,
  type IKernelRunShortcut,
  Input,
  WebAssemblyKernel,
} from 'gpu.js';
import type { AdamUpdateArgs, FloatArray, FusedActivation, MatmulOptions } from '../backend.js';
import { activate, JsBackend } from '../js-backend.js';
import { WasmLoops } from '../wasm/loops.js';
import {
  columnBlocksFor,
  DEFAULT_MATMUL_SHAPE,
  type MatmulKernelShape,
  matmulKernelSource,
  rowsFor,
} from './kernel-source.js';
import { type KernelRows, unpackFlat, unpackRows } from './unpack.js';
import { type DirectModule, directModule, keepFlatResult } from './wasm-direct.js';

/** The gpu.js modes this backend runs in (the ones that work in Node; why the others do not: packages/core/README.md). */
export const GPUJS_MODES = ['webasm', 'cpu', 'headlessgl'] as const;
export type GpuJsMode = (typeof GPUJS_MODES)[number];

/** Thrown when a gpu.js mode cannot run here; the message says why and what to do. */
export class GpuJsUnavailableError extends Error {
  override readonly name = 'GpuJsUnavailableError';
}

/**
 * Thrown when gpu.js ran a kernel in another mode than the one asked for. gpu.js swaps a
 * kernel it cannot build for its CPU translation with only a `console.warn` ("Falling back to
 * CPU"), after which a backend named `gpujs:webasm` or `gpujs:headlessgl` would quietly be
 * `gpujs:cpu`: its numbers, its speed and every comparison made with it would be mislabelled.
 */
export class GpuJsFallbackError extends Error {
  override readonly name = 'GpuJsFallbackError';
  constructor(
    readonly requested: string,
    readonly actual: string,
    readonly reason: string | null,
    what: string,
  ) {
    super(
      `gpu.js ran ${what} in '${actual}' mode, not the '${requested}' mode asked for` +
        `${reason ? ` (gpu.js fell back: ${reason})` : ''}. ` +
        `Choose the backend that runs here instead (FMNIST_BACKEND=gpujs:${actual} or js).`,
    );
  }
}

/**
 * The gpu.js mode a compiled kernel really runs in, read off the kernel object behind its run
 * function (gpu.js replaces that object when it falls back). headlessgl kernels report gpu.js's
 * generic mode 'gpu', so the class tells them apart.
 */
export function kernelMode(run: IKernelRunShortcut): string {
  const kernel = (run as unknown as { kernel?: object }).kernel;
  if (kernel instanceof WebAssemblyKernel) return 'webasm';
  if (kernel instanceof HeadlessGLKernel) return 'headlessgl';
  if (kernel instanceof CPUKernel) return 'cpu';
  return kernel?.constructor.name ?? 'unknown';
}

/** Throws GpuJsFallbackError unless `run` runs in `mode`. */
export function assertKernelMode(run: IKernelRunShortcut, mode: GpuJsMode, what: string): void {
  const actual = kernelMode(run);
  if (actual === mode) return;
  const reason = (run as unknown as { kernel?: { fallbackReason?: string | null } }).kernel
    ?.fallbackReason;
  throw new GpuJsFallbackError(mode, actual, reason ?? null, what);
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
  /**
   * The rows of a result as they lie in memory: `rows` values per output cell (gpu.js's
   * layout), or 1 where the kernel was built with the project's `componentRows` setting (its
   * memory, and so the flat result, is already the m×n row-major product).
   */
  storedRows: number;
  hasBias: boolean;
  /**
   * `2d` reads: the two operands as reusable gpu.js `Input`s (only `.value` changes per call,
   * so a call allocates nothing); null for `flat` reads.
   */
  inputs: [ArrayInput, ArrayInput] | null;
  /**
   * The bias as the kernel reads it where that is not the caller's array: bias[block][x] in the
   * two-block kernel, or padded to `columns`; null where it reads bias[x].
   */
  biasInput: ArrayInput | null;
  /**
   * The width of a row of b, of the bias and of the result as the kernel stores them: n, or n
   * rounded up to a multiple of 4 where webasm pads the columns (see #kernel).
   */
  columns: number;
  /** Whether the caller's b is n×k (the kernel reads it k×n). */
  transposeB: boolean;
  /**
   * b as the kernel reads it (k×columns) where that is not the caller's array (transposed, or
   * with padding columns), for calls through gpu.js's run(); null otherwise.
   */
  bStaging: Float32Array | null;
  /** The bias padded to `columns` (zeros after n), for calls through run(); null otherwise. */
  biasStaging: Float32Array | null;
  /** webasm: its compiled module, once a first call through gpu.js has built it. */
  direct: DirectModule | null;
  /** Whether a first call showed the kernel runs in the backend's mode (no fallback). */
  checked: boolean;
  /** For messages: the product's sizes and options. */
  label: string;
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
/**
 * The host gpu.js backend: matrix products as gpu.js kernels; every other kernel is inherited
 * from the js reference (one gpu.js call costs more than the whole loop at these sizes; see
 * the README), so each kernel's maths is written once.
 */
export class GpuJsBackend extends JsBackend {
  override readonly name: string;
  readonly mode: GpuJsMode;
  readonly matmulShape: MatmulKernelShape;
  readonly #gpu: GPU;
  readonly #kernels = new Map<string, MatmulKernel>();
  readonly #cacheSize: number;
  readonly #flatResult: boolean;
  readonly #directRun: boolean;
  /**
   * The optimizers' Adam and plain SGD updates, ReLU's backward pass and batch normalisation's
   * passes in WebAssembly SIMD (../wasm/loops.ts), and the memory Adam's moments live in: the js
   * loops' exact bits; null where the runtime has no WebAssembly SIMD (the js loops run).
   */
  readonly #loops = WasmLoops.create();
  #disposed = false;

  constructor(options: GpuJsBackendOptions = {}) {
    super();
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

  override matmul(
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
    const activation = options.activation;
    const bias = options.bias;
    checkMatmulSizes(a, b, out, m, k, n, bias);
    if (k === 0) {
      // No reduction: the product is zero; gpu.js cannot compile an empty loop into a kernel.
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const v = bias ? bias[j]! : 0;
          out[i * n + j] = activate(activation, v);
        }
      }
      return;
    }
    const kernel = this.#kernel(m, k, n, transposeA, transposeB, bias !== undefined, activation);
    const direct = kernel.direct;
    if (direct && direct.entry === direct.owner._active && direct.entry.f32) {
      const memory = direct.entry.f32;
      memory.set(a, direct.argOffsets[0]!);
      // A transposed b goes straight into the module's memory in the layout the kernel reads
      // (b is n×k): WebAssembly 4×4 block shuffles where the sizes allow, else the js loop.
      // With padding columns, only the n real columns of each row are written: the padding
      // keeps the zeros the first call (through run(), from bStaging) put there.
      const at = direct.argOffsets[1]!;
      const columns = kernel.columns;
      if (kernel.transposeB) {
        if (columns !== n || !this.#loops?.transpose(b, n, k, memory, at)) {
          transposeInto(b, memory, k, n, at, columns);
        }
      } else if (columns !== n) padInto(b, memory, k, n, columns, at);
      else memory.set(b, at);
      if (bias) memory.set(bias, direct.argOffsets[2]!);
      direct.dispatch(
        direct.entry.run,
        direct.entry.runSimd,
        direct.entry.cells,
        direct.entry.sizeX,
        0,
      );
      const start = direct.entry.layout.outputOffset / 4;
      unpackFlat(memory, start, out, m, n, kernel.storedRows, kernel.columns);
      return;
    }
    const result = runKernel(kernel, a, b, bias, k, n);
    this.#checkMode(kernel);
    const rows = result as unknown as Float32Array | KernelRows;
    unpackRows(rows, out, m, n, kernel.storedRows, kernel.columns);
    if (this.#directRun) {
      kernel.direct = directModule(kernel.run, kernel.hasBias ? 3 : 2, m * kernel.columns);
    }
  }

  override adamUpdate(args: AdamUpdateArgs): void {
    this.#assertLive();
    if (!this.#loops?.adam(args)) super.adamUpdate(args);
  }

  /** Adam's m and v for a float32 weight, kept in WebAssembly memory (Backend.adamState). */
  adamState(value: FloatArray): [FloatArray, FloatArray] | null {
    this.#assertLive();
    return this.#loops?.adamState(value) ?? null;
  }

  override sgdUpdate(value: FloatArray, grad: FloatArray, lr: number): void {
    this.#assertLive();
    if (!this.#loops?.sgd(value, grad, lr)) super.sgdUpdate(value, grad, lr);
  }

  // Batch normalisation's passes (the js backend's loops, protected): WebAssembly SIMD where
  // the arrays are float32 blocks and float64 column arrays with an even column count.

  protected override columnSums(x: FloatArray, out: FloatArray, rows: number, c: number): void {
    if (!this.#loops?.columnPass('sums', rows, c, [x, out])) super.columnSums(x, out, rows, c);
  }

  protected override columnSquaredDeviations(
    x: FloatArray,
    mean: FloatArray,
    out: FloatArray,
    rows: number,
    c: number,
  ): void {
    if (!this.#loops?.columnPass('squaredDeviations', rows, c, [x, mean, out])) {
      super.columnSquaredDeviations(x, mean, out, rows, c);
    }
  }

  protected override batchNormNormalize(
    x: FloatArray,
    mean: FloatArray,
    invStd: FloatArray,
    gamma: FloatArray,
    beta: FloatArray,
    xhat: FloatArray,
    y: FloatArray,
    rows: number,
    c: number,
  ): void {
    // γ and β widened to float64 (exact), as the js loop reads them.
    const arrays = [x, mean, invStd, Float64Array.from(gamma), Float64Array.from(beta), xhat, y];
    if (!this.#loops?.columnPass('normalize', rows, c, arrays)) {
      super.batchNormNormalize(x, mean, invStd, gamma, beta, xhat, y, rows, c);
    }
  }

  protected override batchNormGradientSums(
    dy: FloatArray,
    xhat: FloatArray,
    sumDy: FloatArray,
    sumDyXhat: FloatArray,
    rows: number,
    c: number,
  ): void {
    if (!this.#loops?.columnPass('gradientSums', rows, c, [dy, xhat, sumDy, sumDyXhat])) {
      super.batchNormGradientSums(dy, xhat, sumDy, sumDyXhat, rows, c);
    }
  }

  protected override batchNormInputGradient(
    dy: FloatArray,
    xhat: FloatArray,
    gamma: FloatArray,
    invStd: FloatArray,
    sumDy: FloatArray,
    sumDyXhat: FloatArray,
    dx: FloatArray,
    rows: number,
    c: number,
  ): void {
    // The js loop's per-column factor, (γ·invStd)/B, computed as it computes it.
    const k = new Float64Array(c);
    for (let j = 0; j < c; j++) k[j] = (gamma[j]! * invStd[j]!) / rows;
    const arrays = [dy, xhat, k, sumDy, sumDyXhat, dx];
    if (!this.#loops?.columnPass('inputGradient', rows, c, arrays, [rows])) {
      super.batchNormInputGradient(dy, xhat, gamma, invStd, sumDy, sumDyXhat, dx, rows, c);
    }
  }

  override activationBackward(
    activation: FusedActivation,
    dy: FloatArray,
    y: FloatArray,
    out: FloatArray,
  ): void {
    this.#assertLive();
    if (activation === 'relu' && this.#loops?.reluBackward(dy, y, out)) return;
    super.activationBackward(activation, dy, y, out);
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
      options.activation,
      true,
    );
    const result = await runKernel(kernel, a, b, bias, k, n);
    this.#checkMode(kernel);
    const rows = result as unknown as Float32Array | KernelRows;
    unpackRows(rows, out, m, n, kernel.storedRows, kernel.columns);
  }

  /** Builds (or finds) the kernel for one shape and option set; kernels are never rebuilt. */
  #kernel(
    m: number,
    k: number,
    n: number,
    transposeA: boolean,
    transposeB: boolean,
    bias: boolean,
    activation: FusedActivation | undefined,
    asyncMode = false,
  ): MatmulKernel {
    const key = `${asyncMode ? 'async:' : ''}${m}x${k}x${n}${transposeA ? 'T' : ''}${transposeB ? 't' : ''}${bias ? 'b' : ''}${activation ? `:${activation}` : ''}`;
    const cached = this.#kernels.get(key);
    if (cached) {
      // Map order is insertion order: move to the back so eviction drops the least recent.
      this.#kernels.delete(key);
      this.#kernels.set(key, cached);
      return cached;
    }
    const rows = rowsFor(m, this.matmulShape.rowsPerThread);
    const twoD = this.matmulShape.reads === '2d';
    // webasm with flat results: an Array(rows) result stored as `rows` rows of n (the project's
    // gpu.js patch, `componentRows`), so the flat result is the row-major product itself and is
    // copied out in one piece instead of being unpacked cell by cell; the SIMD kernel stores
    // each of its four rows with one v128 store instead of sixteen lane stores.
    const componentRows = this.mode === 'webasm' && this.#flatResult && rows > 1;
    // Column padding: gpu.js's SIMD kernel runs quads of 4 consecutive columns and leaves the
    // last n mod 4 of each row to its scalar kernel, one call per row, a reduction per cell
    // without SIMD: the study's 10-unit last layer spent most of its time there (its two
    // products at 10-11 GFLOP/s). Where the result is laid out as rows (componentRows), the
    // kernel is built for n rounded up to a multiple of 4, b, the bias and the result rows
    // padded, and only the n real columns read back. The padding columns of b and the bias
    // are zeros; they only feed the padding columns of the result.
    const columns = componentRows && twoD && n % 4 !== 0 ? Math.ceil(n / 4) * 4 : n;
    // Two column blocks (kernel-source.ts): a thread's 4 rows × columns x and x + n/2, as
    // Array(8) in the same row-major layout.
    const blocks = columnBlocksFor(this.matmulShape, rows, columns, componentRows);
    const source = matmulKernelSource(
      m,
      k,
      columns,
      { transposeA, transposeB, bias, activation },
      { ...this.matmulShape, rowsPerThread: rows, columnBlocks: blocks },
    );
    // `returnType`, `loopMaxIterations` and `componentRows` are honoured by (the patched)
    // gpu.js but missing from its typings, hence the wider type.
    const settings: IGPUKernelSettings & {
      returnType: string;
      loopMaxIterations: number;
      componentRows: boolean;
    } = {
      output: [columns / blocks, m / rows],
      returnType: rows * blocks === 1 ? 'Number' : `Array(${rows * blocks})`,
      // Each kernel sees one size per argument; a fresh kernel per shape keeps it that way.
      dynamicArguments: false,
      tactic: 'precision',
      // The reduction loop is a literal-bounded counted loop, which gpu.js runs unbounded;
      // this only matters if it ever stops recognising it (its cap is otherwise 1000 trips).
      loopMaxIterations: Math.max(1000, k + 1),
      asyncMode,
      componentRows,
    };
    const run = this.#gpu.createKernel(source, settings);
    if (this.mode === 'webasm' && this.#flatResult) keepFlatResult(run);
    // Input sizes are [width, height, depth]: a (m×k) is read a[rowBlock][q][i] (a[i][rowBlock][q]
    // when stored k×m), b always as stored k×n, b[i][col].
    const inputs: [ArrayInput, ArrayInput] | null = twoD
      ? [
          arrayInput(m * k, transposeA ? [rows, m / rows, k] : [k, rows, m / rows]),
          blocks === 2
            ? arrayInput(k * columns, [columns / 2, 2, k])
            : arrayInput(k * columns, [columns, k]),
        ]
      : null;
    const biasInput =
      bias && (blocks === 2 || columns !== n)
        ? arrayInput(columns, blocks === 2 ? [columns / 2, 2] : [columns])
        : null;
    const bStaging = twoD && (transposeB || columns !== n) ? new Float32Array(k * columns) : null;
    const biasStaging = bias && columns !== n ? new Float32Array(columns) : null;
    const label =
      `${transposeA ? 'Aᵀ' : 'A'}·${transposeB ? 'Bᵀ' : 'B'} (${m}×${k}·${k}×${n}` +
      `${bias ? ', bias' : ''}${activation ? `, ${activation}` : ''})`;
    const kernel: MatmulKernel = {
      run,
      rows,
      storedRows: componentRows ? 1 : rows,
      hasBias: bias,
      inputs,
      biasInput,
      columns,
      transposeB,
      bStaging,
      biasStaging,
      direct: null,
      checked: false,
      label,
    };
    this.#kernels.set(key, kernel);
    if (this.#kernels.size > this.#cacheSize) {
      const [oldestKey, oldest] = this.#kernels.entries().next().value as [string, MatmulKernel];
      this.#kernels.delete(oldestKey);
      // Kernel destroy() may return a Promise (async contract); see dispose() for why it is dropped.
      Promise.resolve(oldest.run.destroy()).catch(() => undefined);
    }
    return kernel;
  }

  /** After a kernel's first call (which builds it), refuse one that gpu.js fell back on. */
  #checkMode(kernel: MatmulKernel): void {
    if (kernel.checked) return;
    assertKernelMode(kernel.run, this.mode, `the matmul kernel ${kernel.label}`);
    kernel.checked = true;
  }

  /** The mode each compiled kernel runs in (tests check no kernel fell back). */
  kernelModes(): string[] {
    return [...this.#kernels.values()].map((k) => kernelMode(k.run));
  }

  /** How many matmul kernels are compiled (tests check they are reused, not rebuilt). */
  get compiledKernelCount(): number {
    return this.#kernels.size;
  }

  /** How many compiled kernels run their module directly (tests check which do). */
  get directKernelCount(): number {
    return [...this.#kernels.values()].filter((k) => k.direct !== null).length;
  }

  override describe(): string {
    const how = {
      webasm: 'WebAssembly with f32x4 SIMD, synchronous, one thread',
      cpu: 'kernels translated to JavaScript',
      headlessgl: 'WebGL through headless-gl (Mesa software rasteriser without a GPU)',
    }[this.mode];
    const s = this.matmulShape;
    return (
      `${this.name}: gpu.js ${how}; matmul kernels with ${s.rowsPerThread} output rows per ` +
      `thread, ${s.reads} reads, unroll ${s.unroll}, fused bias+ReLU; ` +
      'other elementwise ops, reductions, batch normalisation and the loss head run the js loops; ' +
      (this.#loops
        ? 'the optimizer updates and ReLU backward, WebAssembly SIMD loops of the same bits'
        : 'so do the optimizer updates and ReLU backward (no WebAssembly SIMD here)')
    );
  }

  override dispose(): void {
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

function arrayInput(
  length: number,
  size: [number] | [number, number] | [number, number, number],
): ArrayInput {
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
    const staging = kernel.bStaging;
    const columns = kernel.columns;
    let stored = b;
    if (staging) {
      stored = kernel.transposeB
        ? transposeInto(b, staging, k, n, 0, columns)
        : padInto(b, staging, k, n, columns, 0);
    }
    kernel.inputs[0].value = a;
    kernel.inputs[1].value = stored;
    [left, right] = kernel.inputs;
  }
  // gpu.js's run shortcut is typed for its own argument union; Input and typed arrays are in it.
  const run = kernel.run as unknown as (...args: unknown[]) => unknown;
  if (!kernel.hasBias) return run(left, right);
  if (kernel.biasInput && bias) {
    const staging = kernel.biasStaging;
    kernel.biasInput.value = staging ? padInto(bias, staging, 1, n, kernel.columns, 0) : bias;
    return run(left, right, kernel.biasInput);
  }
  return run(left, right, bias);
}

/**
 * b is n×k; writes bᵀ (k×n) into `bt` from `start`, its rows `columns` apart (n, or more with
 * padding columns). Weights only (at most 128×64 here). Four rows of b at a time, so each step
 * writes four adjacent floats: 7 µs instead of 12 for the study's 128×64 (one row at a time,
 * every write a row of bt apart).
 */
function transposeInto(
  b: FloatArray,
  bt: Float32Array,
  k: number,
  n: number,
  start = 0,
  columns = n,
): Float32Array {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const r0 = j * k;
    const r1 = r0 + k;
    const r2 = r1 + k;
    const r3 = r2 + k;
    for (let i = 0, o = start + j; i < k; i++, o += columns) {
      bt[o] = b[r0 + i]!;
      bt[o + 1] = b[r1 + i]!;
      bt[o + 2] = b[r2 + i]!;
      bt[o + 3] = b[r3 + i]!;
    }
  }
  for (; j < n; j++) {
    const row = j * k;
    for (let i = 0, o = start + j; i < k; i++, o += columns) bt[o] = b[row + i]!;
  }
  return bt;
}

/**
 * Copies the rows×n matrix `b` into `dst` from `start` with its rows `columns` apart, the
 * padding columns left as they are (zeros in a staging array). Value by value: the study's
 * padded products copy 320-640 values, where a subarray per row would cost more than the copy.
 */
function padInto(
  b: FloatArray,
  dst: Float32Array,
  rows: number,
  n: number,
  columns: number,
  start: number,
): Float32Array {
  for (let i = 0, src = 0, o = start; i < rows; i++, o += columns) {
    for (let j = 0; j < n; j++) dst[o + j] = b[src++]!;
  }
  return dst;
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
