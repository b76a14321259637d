/**
 * Adam's update (Keras's form, bias correction folded into alpha) in WebAssembly SIMD, four
 * weights per instruction, in float32 as Keras computes it:
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
 * The weights, gradients and moments are copied into this module's memory, updated there and
 * copied back: for the study's 59,210 weights the copies take about as long as the arithmetic.
 */
import type { AdamUpdateArgs } from '../backend.js';
import { F32, FunctionBody, I32, moduleBytes, V128, type ValueType } from './assembler.js';

/** adam(value, grad, m, v, bytes, alpha, oneMinusBeta1, oneMinusBeta2, epsilon). */
const PARAMS: ValueType[] = [I32, I32, I32, I32, I32, F32, F32, F32, F32];

/** The function body: a loop over `bytes` bytes of each array, 16 (four float32) at a time. */
function adamBody(): FunctionBody {
  const f = new FunctionBody(PARAMS);
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
    // Each array gets a multiple of four floats (the loop takes four); the padding is zero and
    // never copied back.
    const stride = Math.ceil(n / 4) * 4;
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
