/**
 * The hot elementwise loops of a float32 training step in WebAssembly SIMD, for the gpu.js
 * backend: the optimizers' updates, ReLU's backward pass and batch normalisation's passes. Each
 * gives the js backend's loop's exact bits (the tests check it); float64 arrays stay with the js
 * loops.
 *
 * Adam (Keras's form, bias correction folded into alpha), four weights per instruction, in
 * float32 as Keras computes it:
 *
 *   m ← m + (g − m)·(1 − β1)        v ← v + (g² − v)·(1 − β2)
 *   value ← value − (m·alpha) / (sqrt(v) + ε)
 *
 * every operation rounded to float32 (f32x4 arithmetic is IEEE single precision, correctly
 * rounded, square root and division included), the constants rounded to float32 once. The js
 * backend's loop computes the same operations with Math.fround after each one, which gives the
 * same bits (a float64 result of +, −, ×, ÷ or sqrt on float32 values, rounded once to float32,
 * is the correctly rounded float32 result); the tests check it.
 *
 * Plain SGD, value ← value − lr·g, two weights per instruction in float64, rounded once to
 * float32 where stored: exactly the js loop (JavaScript numbers are float64, lr included).
 *
 * ReLU's backward pass, dz = y > 0 ? dy : 0, as a mask (y > 0, lane-wise) and'ed with dy: no
 * branch. The js loop's branch is taken or not by data the predictor cannot learn (about 40% of
 * a hidden layer's outputs are 0), and it measured 25 µs for 4,096 values inside a training step
 * against 2 µs for the same loop rerun on the same data; this takes about 2.5 µs, its copies
 * included.
 *
 * Batch normalisation's passes over a batch (column sums, squared deviations, normalise, the
 * gradient's sums and dL/dx), two columns per f64x2 instruction: float32 values widened
 * exactly, float64 arithmetic in the js loops' order, rounded once where stored. V8 runs the js
 * loops at 3-6 ns per value (each scalar float32/float64 conversion waits on the last one);
 * these take 1-2 ns, their copies included.
 *
 * The arrays are copied into the modules' memory (one, shared by all), worked on there and
 * copied back, but for Adam's m and v, which live in a memory of their weight's own (adamState)
 * so that a step copies only the weight and its gradient.
 */
import type { AdamUpdateArgs, FloatArray } from '../backend.js';
import { F32, F64, FunctionBody, I32, moduleBytes, V128, type ValueType } from './assembler.js';

/** adam(value, grad, m, v, bytes, alpha, oneMinusBeta1, oneMinusBeta2, epsilon). */
const ADAM_PARAMS: ValueType[] = [I32, I32, I32, I32, I32, F32, F32, F32, F32];
/** sgd(value, grad, bytes, learningRate). */
const SGD_PARAMS: ValueType[] = [I32, I32, I32, F64];
/** relu_backward(dy, y, out, bytes). */
const RELU_BACKWARD_PARAMS: ValueType[] = [I32, I32, I32, I32];

/** The function body: a loop over `bytes` bytes of each array, 16 (four float32) at a time. */
function adamBody(): FunctionBody {
  const f = new FunctionBody(ADAM_PARAMS);
  const [value, grad, m, v, bytes, alpha, oneMinusBeta1, oneMinusBeta2, epsilon] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8,
  ] as const;
  const [A, C1, C2, E] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const [g, mi, vi] = [f.local(V128), f.local(V128), f.local(V128)];
  const offset = f.local(I32);
  f.get(alpha).f32x4Splat().set(A);
  f.get(oneMinusBeta1).f32x4Splat().set(C1);
  f.get(oneMinusBeta2).f32x4Splat().set(C2);
  f.get(epsilon).f32x4Splat().set(E);
  f.block().loop();
  f.get(offset).get(bytes).i32GeU().brIf(1); // done
  f.get(grad).get(offset).i32Add().v128Load().set(g);
  // m ← m + (g − m)·(1 − β1), stored
  f.get(m).get(offset).i32Add().v128Load().set(mi);
  f.get(mi).get(g).get(mi).f32x4Sub().get(C1).f32x4Mul().f32x4Add().set(mi);
  f.get(m).get(offset).i32Add().get(mi).v128Store();
  // v ← v + (g·g − v)·(1 − β2), stored
  f.get(v).get(offset).i32Add().v128Load().set(vi);
  f.get(vi).get(g).get(g).f32x4Mul().get(vi).f32x4Sub().get(C2).f32x4Mul().f32x4Add().set(vi);
  f.get(v).get(offset).i32Add().get(vi).v128Store();
  // value ← value − (m·alpha) / (sqrt(v) + ε)
  f.get(value).get(offset).i32Add(); // the address the result goes to
  f.get(value).get(offset).i32Add().v128Load();
  f.get(mi).get(A).f32x4Mul();
  f.get(vi).f32x4Sqrt().get(E).f32x4Add();
  f.f32x4Div().f32x4Sub().v128Store();
  f.get(offset).i32(16).i32Add().set(offset);
  f.br(0);
  f.end().end();
  return f;
}

/** value ← value − lr·g over `bytes` bytes of each array, 8 (two float32) at a time. */
function sgdBody(): FunctionBody {
  const f = new FunctionBody(SGD_PARAMS);
  const [value, grad, bytes, learningRate] = [0, 1, 2, 3] as const;
  const lr = f.local(V128);
  const offset = f.local(I32);
  f.get(learningRate).f64x2Splat().set(lr);
  f.block().loop();
  f.get(offset).get(bytes).i32GeU().brIf(1); // done
  f.get(value).get(offset).i32Add(); // the address the result goes to
  f.get(value).get(offset).i32Add().load64Zero().promoteLow();
  f.get(lr).get(grad).get(offset).i32Add().load64Zero().promoteLow().f64x2Mul();
  f.f64x2Sub().demoteZero().store64Lane0();
  f.get(offset).i32(8).i32Add().set(offset);
  f.br(0);
  f.end().end();
  return f;
}

/** out ← (y > 0) & dy over `bytes` bytes of each array, 16 (four float32) at a time. */
function reluBackwardBody(): FunctionBody {
  const f = new FunctionBody(RELU_BACKWARD_PARAMS);
  const [dy, y, out, bytes] = [0, 1, 2, 3] as const;
  const zero = f.local(V128); // locals start as zeros
  const offset = f.local(I32);
  f.block().loop();
  f.get(offset).get(bytes).i32GeU().brIf(1); // done
  f.get(out).get(offset).i32Add(); // the address the result goes to
  f.get(dy).get(offset).i32Add().v128Load();
  f.get(y).get(offset).i32Add().v128Load().get(zero).f32x4Gt();
  f.v128And().v128Store();
  f.get(offset).i32(16).i32Add().set(offset);
  f.br(0);
  f.end().end();
  return f;
}

/**
 * A rows×cols float32 matrix (byte offset src) transposed into cols×rows (dst), 4×4 blocks at a
 * time: four rows loaded, eight lane shuffles, four columns stored. rows and cols are multiples
 * of 4. A copy: every value keeps its bits.
 */
const TRANSPOSE_PARAMS: ValueType[] = [I32, I32, I32, I32];

function transposeBody(): FunctionBody {
  const f = new FunctionBody(TRANSPOSE_PARAMS);
  const [src, dst, rows, cols] = [0, 1, 2, 3] as const;
  const [srcRow, dstRow] = [f.local(I32), f.local(I32)]; // bytes from one row to the next
  const [r, c, from, to] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const v = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const t = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  f.get(cols).i32(4).i32Mul().set(srcRow);
  f.get(rows).i32(4).i32Mul().set(dstRow);
  f.block().loop();
  f.get(r).get(rows).i32GeU().brIf(1); // every block row done
  f.i32(0).set(c);
  f.block().loop();
  f.get(c).get(cols).i32GeU().brIf(1); // every block of the row done
  // from = src + r·srcRow + c·4; to = dst + c·dstRow + r·4
  f.get(src).get(r).get(srcRow).i32Mul().i32Add().get(c).i32(4).i32Mul().i32Add().set(from);
  f.get(dst).get(c).get(dstRow).i32Mul().i32Add().get(r).i32(4).i32Mul().i32Add().set(to);
  for (let q = 0; q < 4; q++) {
    f.get(from).v128Load().set(v[q]!);
    f.get(from).get(srcRow).i32Add().set(from);
  }
  // rows a, b, c, d -> [a0 b0 a1 b1], [a2 b2 a3 b3], [c0 d0 c1 d1], [c2 d2 c3 d3]
  f.get(v[0]!).get(v[1]!).i32x4Shuffle([0, 4, 1, 5]).set(t[0]!);
  f.get(v[0]!).get(v[1]!).i32x4Shuffle([2, 6, 3, 7]).set(t[1]!);
  f.get(v[2]!).get(v[3]!).i32x4Shuffle([0, 4, 1, 5]).set(t[2]!);
  f.get(v[2]!).get(v[3]!).i32x4Shuffle([2, 6, 3, 7]).set(t[3]!);
  // -> columns [a0 b0 c0 d0], [a1 b1 c1 d1], [a2 b2 c2 d2], [a3 b3 c3 d3]
  const columns: [number, readonly [number, number, number, number]][] = [
    [0, [0, 1, 4, 5]],
    [0, [2, 3, 6, 7]],
    [1, [0, 1, 4, 5]],
    [1, [2, 3, 6, 7]],
  ];
  for (const [half, lanes] of columns) {
    f.get(to)
      .get(t[half]!)
      .get(t[half + 2]!)
      .i32x4Shuffle(lanes)
      .v128Store();
    f.get(to).get(dstRow).i32Add().set(to);
  }
  f.get(c).i32(4).i32Add().set(c);
  f.br(0);
  f.end().end();
  f.get(r).i32(4).i32Add().set(r);
  f.br(0);
  f.end().end();
  return f;
}

/**
 * Batch normalisation's passes: each walks a rows×cols block of float32 values beside float64
 * per-column arrays, a pair of columns at a time (two float64 lanes), down the rows; a column
 * pair's sums and constants stay in registers while it goes down. A pass's parameters are its
 * arrays' byte offsets, then the block's size in bytes (rows·cols·4), a row's (cols·4) and a
 * float64 column array's (cols·8), then its own scalars; cols must be even. Each column's
 * values are taken row after row, as the js loops take them.
 */
interface ColumnPass {
  name: string;
  /** The arrays, in parameter order: `block` ones are rows×cols float32, `column` ones cols float64. */
  arrays: ('block' | 'column')[];
  scalars?: ValueType[];
  /** The arrays it writes (copied back); `fresh` ones are only written (not copied in). */
  writes: number[];
  fresh?: number[];
  /**
   * Emits the pass into `f` (where it also declares its locals) as three phases: before the
   * rows of a column pair, each row, after the rows. `at.block(i)` pushes the address of array
   * i's pair in the current row, `at.column(i)` of array i's current column pair, and
   * `at.scalar(i)` is the local of the i-th scalar.
   */
  build(f: FunctionBody, at: PassAddresses): { column(): void; row(): void; end?(): void };
}

interface PassAddresses {
  block(i: number): FunctionBody;
  column(i: number): FunctionBody;
  scalar(i: number): number;
}

/** Pushes array i's column pair (f64x2) and keeps it in a new local. */
function columnLocal(f: FunctionBody, at: PassAddresses, i: number): number {
  const local = f.local(V128);
  at.column(i).v128Load().set(local);
  return local;
}

/** Pushes the block array's pair in this row, widened to f64x2. */
function widened(at: PassAddresses, i: number): FunctionBody {
  return at.block(i).load64Zero().promoteLow();
}

const COLUMN_PASSES = {
  /** out[j] += x[r][j], r = 0, 1, ... */
  sums: {
    name: 'bn_sums',
    arrays: ['block', 'column'],
    writes: [1],
    build(f, at) {
      let sum = -1;
      return {
        column: () => {
          sum = columnLocal(f, at, 1);
        },
        row: () => void widened(at, 0).get(sum).f64x2Add().set(sum),
        end: () => void at.column(1).get(sum).v128Store(),
      };
    },
  },
  /** out[j] += (x[r][j] − mean[j])² */
  squaredDeviations: {
    name: 'bn_squared_deviations',
    arrays: ['block', 'column', 'column'],
    writes: [2],
    build(f, at) {
      let [mean, sum] = [-1, -1];
      const d = f.local(V128);
      return {
        column: () => {
          mean = columnLocal(f, at, 1);
          sum = columnLocal(f, at, 2);
        },
        row: () => {
          widened(at, 0).get(mean).f64x2Sub().set(d);
          f.get(sum).get(d).get(d).f64x2Mul().f64x2Add().set(sum);
        },
        end: () => void at.column(2).get(sum).v128Store(),
      };
    },
  },
  /** h = (x − mean)·invStd; xhat = h; y = γ·h + β (γ, β widened to float64 by the caller) */
  normalize: {
    name: 'bn_normalize',
    arrays: ['block', 'column', 'column', 'column', 'column', 'block', 'block'],
    writes: [5, 6],
    fresh: [5, 6],
    build(f, at) {
      let [mean, invStd, gamma, beta] = [-1, -1, -1, -1];
      const h = f.local(V128);
      return {
        column: () => {
          [mean, invStd, gamma, beta] = [1, 2, 3, 4].map((i) => columnLocal(f, at, i)) as [
            number,
            number,
            number,
            number,
          ];
        },
        row: () => {
          widened(at, 0).get(mean).f64x2Sub().get(invStd).f64x2Mul().set(h);
          at.block(5).get(h).demoteZero().store64Lane0();
          at.block(6).get(gamma).get(h).f64x2Mul().get(beta).f64x2Add().demoteZero();
          f.store64Lane0();
        },
      };
    },
  },
  /** sumDy[j] += dy; sumDyXhat[j] += dy·x̂ */
  gradientSums: {
    name: 'bn_gradient_sums',
    arrays: ['block', 'block', 'column', 'column'],
    writes: [2, 3],
    build(f, at) {
      let [sumDy, sumDyXhat] = [-1, -1];
      const dy = f.local(V128);
      return {
        column: () => {
          sumDy = columnLocal(f, at, 2);
          sumDyXhat = columnLocal(f, at, 3);
        },
        row: () => {
          widened(at, 0).set(dy);
          f.get(sumDy).get(dy).f64x2Add().set(sumDy);
          f.get(sumDyXhat).get(dy);
          widened(at, 1).f64x2Mul().f64x2Add().set(sumDyXhat);
        },
        end: () => {
          at.column(2).get(sumDy).v128Store();
          at.column(3).get(sumDyXhat).v128Store();
        },
      };
    },
  },
  /** dx = k·(B·dy − Σdy − x̂·Σdy·x̂), k = γ·invStd / B per column (the caller's), B = rows */
  inputGradient: {
    name: 'bn_input_gradient',
    arrays: ['block', 'block', 'column', 'column', 'column', 'block'],
    scalars: [F64],
    writes: [5],
    fresh: [5],
    build(f, at) {
      let [k, sumDy, sumDyXhat] = [-1, -1, -1];
      const rows = f.local(V128);
      return {
        column: () => {
          [k, sumDy, sumDyXhat] = [2, 3, 4].map((i) => columnLocal(f, at, i)) as [
            number,
            number,
            number,
          ];
          f.get(at.scalar(0)).f64x2Splat().set(rows);
        },
        row: () => {
          at.block(5).get(k).get(rows);
          widened(at, 0).f64x2Mul().get(sumDy).f64x2Sub();
          widened(at, 1).get(sumDyXhat).f64x2Mul().f64x2Sub();
          f.f64x2Mul().demoteZero().store64Lane0();
        },
      };
    },
  },
} satisfies Record<string, ColumnPass>;

export type ColumnPassName = keyof typeof COLUMN_PASSES;

function columnPassParams(pass: ColumnPass): ValueType[] {
  return [...pass.arrays.map((): ValueType => I32), I32, I32, I32, ...(pass.scalars ?? [])];
}

/** The two loops around a pass: column pairs outer, rows inner. */
function columnPassBody(pass: ColumnPass): FunctionBody {
  const f = new FunctionBody(columnPassParams(pass));
  const arrays = pass.arrays.length;
  const [blockBytes, rowBytes, columnBytes] = [arrays, arrays + 1, arrays + 2];
  const col32 = f.local(I32); // byte offset of the column pair in a row (8 per pair)
  const col64 = f.local(I32); // byte offset of the column pair in a column array (16 per pair)
  const cell = f.local(I32); // byte offset of the pair in a block array: row·rowBytes + col32
  const at: PassAddresses = {
    block: (i) => f.get(i).get(cell).i32Add(),
    column: (i) => f.get(i).get(col64).i32Add(),
    scalar: (i) => arrays + 3 + i,
  };
  const phases = pass.build(f, at);
  f.block().loop();
  f.get(col64).get(columnBytes).i32GeU().brIf(1); // every column pair done
  phases.column();
  f.get(col32).set(cell);
  f.block().loop();
  f.get(cell).get(blockBytes).i32GeU().brIf(1); // every row done (col32 < rowBytes)
  phases.row();
  f.get(cell).get(rowBytes).i32Add().set(cell);
  f.br(0);
  f.end().end();
  phases.end?.();
  f.get(col32).i32(8).i32Add().set(col32);
  f.get(col64).i32(16).i32Add().set(col64);
  f.br(0);
  f.end().end();
  return f;
}

/** The parts of the WebAssembly API used here (the package compiles without DOM typings). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: {
    initial: number;
  }) => { buffer: ArrayBuffer; grow(pages: number): number };
}
type Memory = InstanceType<WasmApi['Memory']>;

type AdamFunction = (
  value: number,
  grad: number,
  m: number,
  v: number,
  bytes: number,
  alpha: number,
  oneMinusBeta1: number,
  oneMinusBeta2: number,
  epsilon: number,
) => void;
type SgdFunction = (value: number, grad: number, bytes: number, learningRate: number) => void;
/** A weight's own memory for Adam (adamState): its m and v stay there between steps. */
interface AdamSlot {
  run: AdamFunction;
  f32: Float32Array;
  /** Each array's length, padded to four floats. */
  stride: number;
  v: Float32Array;
}
type ReluBackwardFunction = (dy: number, y: number, out: number, bytes: number) => void;
type TransposeFunction = (src: number, dst: number, rows: number, cols: number) => void;

const PAGE = 65536;

export class WasmLoops {
  readonly #memory: Memory;
  readonly #adam: AdamFunction;
  readonly #sgd: SgdFunction;
  readonly #reluBackward: ReluBackwardFunction;
  readonly #transpose: TransposeFunction;
  readonly #passes: Record<ColumnPassName, (...args: number[]) => void>;
  /** Adam's compiled module, instantiated again for each weight's own memory (adamState). */
  readonly #adamModule: object;
  readonly #wasm: WasmApi;
  /** Each weight's Adam slot, by its m array. */
  readonly #slots = new WeakMap<Float32Array, AdamSlot>();
  #f32: Float32Array;
  #f64: Float64Array;

  private constructor(
    memory: Memory,
    adam: AdamFunction,
    sgd: SgdFunction,
    reluBackward: ReluBackwardFunction,
    transpose: TransposeFunction,
    passes: Record<ColumnPassName, (...args: number[]) => void>,
    adamModule: object,
    wasm: WasmApi,
  ) {
    this.#adamModule = adamModule;
    this.#wasm = wasm;
    this.#memory = memory;
    this.#adam = adam;
    this.#sgd = sgd;
    this.#reluBackward = reluBackward;
    this.#transpose = transpose;
    this.#passes = passes;
    this.#f32 = new Float32Array(memory.buffer);
    this.#f64 = new Float64Array(memory.buffer);
  }

  /** The modules, or null where this runtime has no WebAssembly or no SIMD. */
  static create(): WasmLoops | null {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) return null;
    const adam = moduleBytes('adam', ADAM_PARAMS, adamBody());
    const sgd = moduleBytes('sgd', SGD_PARAMS, sgdBody());
    const relu = moduleBytes('relu_backward', RELU_BACKWARD_PARAMS, reluBackwardBody());
    const transpose = moduleBytes('transpose', TRANSPOSE_PARAMS, transposeBody());
    const passes = Object.entries(COLUMN_PASSES).map(
      ([key, pass]) =>
        [
          key,
          pass.name,
          moduleBytes(pass.name, columnPassParams(pass), columnPassBody(pass)),
        ] as const,
    );
    const all = [adam, sgd, relu, transpose, ...passes.map((p) => p[2])];
    if (!all.every((bytes) => wasm.validate(bytes))) return null;
    const memory = new wasm.Memory({ initial: 1 });
    const instance = (bytes: Uint8Array) =>
      new wasm.Instance(new wasm.Module(bytes), { env: { memory } }).exports;
    const adamModule = new wasm.Module(adam);
    return new WasmLoops(
      memory,
      new wasm.Instance(adamModule, { env: { memory } }).exports.adam as AdamFunction,
      instance(sgd).sgd as SgdFunction,
      instance(relu).relu_backward as ReluBackwardFunction,
      instance(transpose).transpose as TransposeFunction,
      Object.fromEntries(
        passes.map(([key, name, bytes]) => [key, instance(bytes)[name]]),
      ) as Record<ColumnPassName, (...args: number[]) => void>,
      adamModule,
      wasm,
    );
  }

  /**
   * Adam's m and v for a float32 weight, zeroed, living in a WebAssembly memory of the weight's
   * own (`[value | grad | m | v]`, each padded to four floats; it never grows, so the views stay
   * valid) with an instance of the update bound to it: `adam` then copies only the weight and its
   * gradient in and the weight out, 3 arrays a step instead of 7. Null for other weights.
   */
  adamState(value: FloatArray): [Float32Array, Float32Array] | null {
    if (!(value instanceof Float32Array)) return null;
    const stride = Math.ceil(value.length / 4) * 4;
    const memory = new this.#wasm.Memory({ initial: Math.max(1, Math.ceil((16 * stride) / PAGE)) });
    const run = new this.#wasm.Instance(this.#adamModule, { env: { memory } }).exports
      .adam as AdamFunction;
    const f32 = new Float32Array(memory.buffer);
    const m = f32.subarray(2 * stride, 2 * stride + value.length);
    const v = f32.subarray(3 * stride, 3 * stride + value.length);
    this.#slots.set(m, { run, f32, stride, v });
    return [m, v];
  }

  /**
   * One Adam update, in place, when the four arrays are float32 (float64 models keep the js
   * loop): returns whether it ran.
   */
  adam({ value, grad, m, v, alpha, beta1, beta2, epsilon }: AdamUpdateArgs): boolean {
    if (
      !(value instanceof Float32Array) ||
      !(grad instanceof Float32Array) ||
      !(m instanceof Float32Array) ||
      !(v instanceof Float32Array)
    ) {
      return false;
    }
    const slot = this.#slots.get(m);
    if (slot && slot.v === v && value.length === m.length && grad.length === m.length) {
      // m and v are already where the update reads them: the weight and its gradient go in.
      const { run, f32, stride } = slot;
      f32.set(value, 0);
      f32.set(grad, stride);
      run(
        0,
        stride * 4,
        2 * stride * 4,
        3 * stride * 4,
        stride * 4,
        alpha,
        1 - beta1,
        1 - beta2,
        epsilon,
      );
      value.set(f32.subarray(0, value.length));
      return true;
    }
    // Four floats per loop trip.
    const { at, bytes } = this.#copyIn(4, [value, grad, m, v]);
    const [valueAt, gradAt, mAt, vAt] = at as [number, number, number, number];
    // float32 parameters: the module rounds them as it receives them, as Keras's float32 ops do.
    this.#adam(
      valueAt * 4,
      gradAt * 4,
      mAt * 4,
      vAt * 4,
      bytes,
      alpha,
      1 - beta1,
      1 - beta2,
      epsilon,
    );
    this.#copyOut(value, valueAt);
    this.#copyOut(m, mAt);
    this.#copyOut(v, vAt);
    return true;
  }

  /** One plain SGD update, in place, when both arrays are float32: returns whether it ran. */
  sgd(value: FloatArray, grad: FloatArray, learningRate: number): boolean {
    if (!(value instanceof Float32Array) || !(grad instanceof Float32Array)) return false;
    // Two floats per loop trip.
    const { at, bytes } = this.#copyIn(2, [value, grad]);
    const [valueAt, gradAt] = at as [number, number];
    this.#sgd(valueAt * 4, gradAt * 4, bytes, learningRate);
    this.#copyOut(value, valueAt);
    return true;
  }

  /**
   * ReLU's backward pass, out = y > 0 ? dy : 0 (+0, as the js loop writes it), when the three
   * arrays are float32: returns whether it ran.
   */
  reluBackward(dy: FloatArray, y: FloatArray, out: FloatArray): boolean {
    if (
      !(dy instanceof Float32Array) ||
      !(y instanceof Float32Array) ||
      !(out instanceof Float32Array) ||
      dy.length !== out.length ||
      y.length !== out.length
    ) {
      return false;
    }
    const { at, bytes } = this.#copyIn(4, [dy, y], 1);
    const [dyAt, yAt, outAt] = at as [number, number, number];
    this.#reluBackward(dyAt * 4, yAt * 4, outAt * 4, bytes);
    this.#copyOut(out, outAt);
    return true;
  }

  /**
   * The rows×cols float32 matrix `a` transposed (cols×rows) into `out` from `outStart`, when
   * rows and cols are multiples of 4: returns whether it ran. The values' bits are copied as
   * they are. 3.1 µs for the 128×64 weight the backward pass of `dZ·Wᵀ` reads, copies in and
   * out included, where the js loop takes 6.2.
   */
  transpose(a: FloatArray, rows: number, cols: number, out: Float32Array, outStart = 0): boolean {
    if (
      !(a instanceof Float32Array) ||
      rows % 4 !== 0 ||
      cols % 4 !== 0 ||
      a.length < rows * cols ||
      outStart + rows * cols > out.length
    ) {
      return false;
    }
    const size = rows * cols;
    this.#reserve(2 * size * 4);
    this.#f32.set(a.subarray(0, size), 0);
    this.#transpose(0, size * 4, rows, cols);
    out.set(this.#f32.subarray(size, 2 * size), outStart);
    return true;
  }

  /**
   * One of batch normalisation's passes (COLUMN_PASSES) over the first rows×cols values of the
   * float32 block arrays and the first cols of the float64 column arrays, in the pass's
   * parameter order, then its scalars: returns whether it ran (cols odd, or an array of
   * another type or too short: false, nothing touched).
   */
  columnPass(
    name: ColumnPassName,
    rows: number,
    cols: number,
    arrays: readonly FloatArray[],
    scalars: readonly number[] = [],
  ): boolean {
    const pass: ColumnPass = COLUMN_PASSES[name];
    if (cols < 2 || cols % 2 !== 0 || rows < 1 || arrays.length !== pass.arrays.length) {
      return false;
    }
    const views: (Float32Array | Float64Array)[] = [];
    for (let i = 0; i < arrays.length; i++) {
      const array = arrays[i]!;
      if (pass.arrays[i] === 'block') {
        if (!(array instanceof Float32Array) || array.length < rows * cols) return false;
        views.push(array.subarray(0, rows * cols));
      } else {
        if (!(array instanceof Float64Array) || array.length < cols) return false;
        views.push(array.subarray(0, cols));
      }
    }
    // 16-byte aligned, one after the other.
    const at: number[] = [];
    let end = 0;
    for (const view of views) {
      at.push(end);
      end += Math.ceil(view.byteLength / 16) * 16;
    }
    this.#reserve(end);
    views.forEach((view, i) => {
      if (!pass.fresh?.includes(i)) this.#viewOf(view).set(view, at[i]! / view.BYTES_PER_ELEMENT);
    });
    this.#passes[name](...at, rows * cols * 4, cols * 4, cols * 8, ...scalars);
    for (const i of pass.writes) {
      const view = views[i]!;
      const start = at[i]! / view.BYTES_PER_ELEMENT;
      view.set(this.#viewOf(view).subarray(start, start + view.length));
    }
    return true;
  }

  #viewOf(array: Float32Array | Float64Array): Float32Array | Float64Array {
    return array instanceof Float32Array ? this.#f32 : this.#f64;
  }

  /** Grows the memory to at least `bytes`. */
  #reserve(bytes: number): void {
    if (bytes <= this.#memory.buffer.byteLength) return;
    this.#memory.grow(Math.ceil((bytes - this.#memory.buffer.byteLength) / PAGE));
    this.#f32 = new Float32Array(this.#memory.buffer);
    this.#f64 = new Float64Array(this.#memory.buffer);
  }

  /**
   * Copies the arrays into memory one after the other, each given a multiple of `lanes`
   * floats (the zero padding is updated with them and never copied back), and leaves room for
   * `outputs` more of the same size after them; returns where each starts, in floats (the
   * arrays', then the outputs'), and the bytes each takes (what the loop walks).
   */
  #copyIn(lanes: number, arrays: Float32Array[], outputs = 0): { at: number[]; bytes: number } {
    const stride = Math.ceil(arrays[0]!.length / lanes) * lanes;
    this.#reserve((arrays.length + outputs) * stride * 4);
    const at = arrays.map((array, i) => {
      const start = i * stride;
      this.#f32.set(array, start);
      this.#f32.fill(0, start + array.length, start + stride);
      return start;
    });
    for (let i = 0; i < outputs; i++) at.push((arrays.length + i) * stride);
    return { at, bytes: stride * 4 };
  }

  #copyOut(array: Float32Array, at: number): void {
    array.set(this.#f32.subarray(at, at + array.length));
  }
}
