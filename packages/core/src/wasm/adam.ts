/**
 * Adam's update (Keras's form, bias correction folded into alpha) in WebAssembly SIMD, two
 * weights per instruction, with exactly the js backend's arithmetic:
 *
 *   m ← m + (g − m)·(1 − β1)        v ← v + (g² − v)·(1 − β2)
 *   value ← value − alpha·m / (sqrt(v) + ε)
 *
 * each in float64 from the stored float32 values, m and v used unrounded in the last line and
 * every result rounded to float32 once, where it is stored (what `JsBackend.adamUpdate` does,
 * JavaScript numbers being float64). So the two give the same bits, which the tests check; the
 * SIMD form runs two weights per f64x2 instruction where JavaScript's loop runs one, and the
 * square root and the division, which bound that loop, are the slowest instructions in it.
 *
 * The weights, gradients and moments are copied into this module's memory, updated there and
 * copied back: for the study's 59,210 weights the copies take about a tenth of the update.
 */
import type { AdamUpdateArgs } from '../backend.js';
import { F64, FunctionBody, I32, moduleBytes, V128, type ValueType } from './assembler.js';

/** adam(value, grad, m, v, bytes, alpha, oneMinusBeta1, oneMinusBeta2, epsilon). */
const PARAMS: ValueType[] = [I32, I32, I32, I32, I32, F64, F64, F64, F64];

/** The function body: a loop over `bytes` bytes of each array, 8 (two float32) at a time. */
function adamBody(): FunctionBody {
  const f = new FunctionBody(PARAMS);
  const [value, grad, m, v, bytes, alpha, oneMinusBeta1, oneMinusBeta2, epsilon] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8,
  ] as const;
  const [A, C1, C2, E] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const [g, mi, vi] = [f.local(V128), f.local(V128), f.local(V128)];
  const offset = f.local(I32);
  f.get(alpha).f64x2Splat().set(A);
  f.get(oneMinusBeta1).f64x2Splat().set(C1);
  f.get(oneMinusBeta2).f64x2Splat().set(C2);
  f.get(epsilon).f64x2Splat().set(E);
  f.block().loop();
  f.get(offset).get(bytes).i32GeU().brIf(1); // done
  // g, m, v: two float32 values each, widened to float64
  f.get(grad).get(offset).i32Add().load64Zero().promoteLow().set(g);
  f.get(m).get(offset).i32Add().load64Zero().promoteLow().set(mi);
  f.get(v).get(offset).i32Add().load64Zero().promoteLow().set(vi);
  // m ← m + (g − m)·(1 − β1)
  f.get(mi).get(g).get(mi).f64x2Sub().get(C1).f64x2Mul().f64x2Add().set(mi);
  // v ← v + (g·g − v)·(1 − β2)
  f.get(vi).get(g).get(g).f64x2Mul().get(vi).f64x2Sub().get(C2).f64x2Mul().f64x2Add().set(vi);
  // store both, rounded to float32
  f.get(m).get(offset).i32Add().get(mi).demoteZero().store64Lane0();
  f.get(v).get(offset).i32Add().get(vi).demoteZero().store64Lane0();
  // value ← value − (alpha·m) / (sqrt(v) + ε)
  f.get(value).get(offset).i32Add(); // the address the result goes to
  f.get(value).get(offset).i32Add().load64Zero().promoteLow();
  f.get(A).get(mi).f64x2Mul();
  f.get(vi).f64x2Sqrt().get(E).f64x2Add();
  f.f64x2Div().f64x2Sub().demoteZero().store64Lane0();
  f.get(offset).i32(8).i32Add().set(offset);
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

const PAGE = 65536;

export class WasmAdam {
  readonly #memory: InstanceType<WasmApi['Memory']>;
  readonly #adam: AdamFunction;
  #f32: Float32Array;

  private constructor(memory: InstanceType<WasmApi['Memory']>, adam: AdamFunction) {
    this.#memory = memory;
    this.#adam = adam;
    this.#f32 = new Float32Array(memory.buffer);
  }

  /** The module, or null where this runtime has no WebAssembly or no SIMD. */
  static create(): WasmAdam | null {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) return null;
    const bytes = moduleBytes('adam', PARAMS, adamBody());
    if (!wasm.validate(bytes)) return null;
    const memory = new wasm.Memory({ initial: 1 });
    const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
    return new WasmAdam(memory, instance.exports.adam as AdamFunction);
  }

  /**
   * One update, in place, when the four arrays are float32 (float64 models keep the js loop):
   * returns whether it ran.
   */
  update({ value, grad, m, v, alpha, beta1, beta2, epsilon }: AdamUpdateArgs): boolean {
    if (
      !(value instanceof Float32Array) ||
      !(grad instanceof Float32Array) ||
      !(m instanceof Float32Array) ||
      !(v instanceof Float32Array)
    ) {
      return false;
    }
    const n = value.length;
    // Each array gets an even number of floats (the loop takes two); the padding is zero and
    // never copied back.
    const stride = n + (n & 1);
    const needed = 4 * stride * 4;
    if (needed > this.#memory.buffer.byteLength) {
      this.#memory.grow(Math.ceil((needed - this.#memory.buffer.byteLength) / PAGE));
      this.#f32 = new Float32Array(this.#memory.buffer);
    }
    const f32 = this.#f32;
    const [valueAt, gradAt, mAt, vAt] = [0, stride, 2 * stride, 3 * stride];
    f32.set(value, valueAt);
    f32.set(grad, gradAt);
    f32.set(m, mAt);
    f32.set(v, vAt);
    if (stride !== n) {
      for (const at of [valueAt, gradAt, mAt, vAt]) f32[at + n] = 0;
    }
    this.#adam(
      valueAt * 4,
      gradAt * 4,
      mAt * 4,
      vAt * 4,
      stride * 4,
      alpha,
      1 - beta1,
      1 - beta2,
      epsilon,
    );
    value.set(f32.subarray(valueAt, valueAt + n));
    m.set(f32.subarray(mAt, mAt + n));
    v.set(f32.subarray(vAt, vAt + n));
    return true;
  }
}
