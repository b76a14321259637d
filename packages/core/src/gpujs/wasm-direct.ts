/**
 * webasm: driving a built kernel's compiled gpu.js module directly (arguments into its memory,
 * gpu.js's dispatchSpans, the output read in place) instead of through gpu.js's per-call
 * wrapper. Everything here depends on gpu.js 2.24.1's internals, and checks them.
 */
import type { IKernelRunShortcut } from 'gpu.js';

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

export interface DirectModule {
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
export function directModule(
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
export function keepFlatResult(run: IKernelRunShortcut): void {
  // `_shapeOutput` is not in gpu.js's typings: it is an internal method of WebAssemblyKernel.
  const kernel = run.kernel as unknown as { _shapeOutput?: (data: Float32Array) => unknown };
  if (typeof kernel._shapeOutput === 'function') kernel._shapeOutput = (data) => data;
}
