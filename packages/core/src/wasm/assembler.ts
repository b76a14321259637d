/**
 * A very small WebAssembly assembler: enough to write one exported function over an imported
 * memory, opcode by opcode, with names instead of bytes. The optimizer updates (adam.ts) are
 * written with it; no toolchain is needed at build or run time.
 *
 * Encodings are the WebAssembly core specification's (binary format, sections 5.4 and 5.5) and
 * its fixed-width SIMD proposal's (now part of the standard): SIMD opcodes are 0xfd followed by
 * the opcode as an unsigned LEB128.
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128, appended to `out`. */
function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Signed LEB128 (i32.const's immediate). */
function sleb(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** One function body, built instruction by instruction. */
export class FunctionBody {
  readonly #params: ValueType[];
  readonly #locals: ValueType[] = [];
  readonly code: number[] = [];

  constructor(params: ValueType[]) {
    this.#params = params;
  }

  /** A new local of `type`; returns its index (parameters come first). */
  local(type: ValueType): number {
    this.#locals.push(type);
    return this.#params.length + this.#locals.length - 1;
  }

  get(index: number): this {
    return this.#op(0x20, index);
  }
  set(index: number): this {
    return this.#op(0x21, index);
  }
  i32(value: number): this {
    this.code.push(0x41);
    sleb(value, this.code);
    return this;
  }
  i32Add(): this {
    return this.#op(0x6a);
  }
  i32GeU(): this {
    return this.#op(0x4f);
  }
  i32Mul(): this {
    return this.#op(0x6c);
  }

  /** block / loop without results, br_if / br to a label `depth` levels out, end. */
  block(): this {
    return this.#op(0x02, 0x40);
  }
  loop(): this {
    return this.#op(0x03, 0x40);
  }
  brIf(depth: number): this {
    return this.#op(0x0d, depth);
  }
  br(depth: number): this {
    return this.#op(0x0c, depth);
  }
  end(): this {
    return this.#op(0x0b);
  }

  // SIMD: four float32 lanes.
  /** 16 bytes at the address on the stack (alignment hint: 4 bytes). */
  v128Load(): this {
    return this.#simd(0x00, 2, 0);
  }
  /** Stores a v128 at the address below it on the stack. */
  v128Store(): this {
    return this.#simd(0x0b, 2, 0);
  }
  /**
   * The 16 bytes picked from the two v128 below on the stack (bytes 0-15 the first's, 16-31
   * the second's), written as four i32 lanes: lane l of the result is lane lanes[l] of the pair.
   */
  i32x4Shuffle(lanes: readonly [number, number, number, number]): this {
    this.code.push(0xfd);
    uleb(0x0d, this.code);
    for (const lane of lanes) for (let b = 0; b < 4; b++) this.code.push(lane * 4 + b);
    return this;
  }
  f32x4Splat(): this {
    return this.#simd(0x13);
  }
  f32x4Add(): this {
    return this.#simd(0xe4);
  }
  f32x4Sub(): this {
    return this.#simd(0xe5);
  }
  f32x4Mul(): this {
    return this.#simd(0xe6);
  }
  f32x4Div(): this {
    return this.#simd(0xe7);
  }
  f32x4Sqrt(): this {
    return this.#simd(0xe3);
  }
  /** Lane-wise a > b: all ones where true, all zeros where false (NaN compares false). */
  f32x4Gt(): this {
    return this.#simd(0x44);
  }
  v128And(): this {
    return this.#simd(0x4e);
  }

  // SIMD: two float64 lanes, for float32 values widened (exactly) and narrowed back.
  /** Two float32 values (8 bytes) at the address on the stack, the upper half zero. */
  load64Zero(): this {
    return this.#simd(0x5d, 3, 0);
  }
  /** Stores the low 8 bytes (the two float32 values a demote leaves in lanes 0-1). */
  store64Lane0(): this {
    return this.#simd(0x5b, 3, 0, 0);
  }
  /** f32x4 lanes 0-1 → f64x2 (exact). */
  promoteLow(): this {
    return this.#simd(0x5f);
  }
  /** f64x2 → f32x4 lanes 0-1, rounded to nearest as a Float32Array store rounds; lanes 2-3 zero. */
  demoteZero(): this {
    return this.#simd(0x5e);
  }
  f64x2Splat(): this {
    return this.#simd(0x14);
  }
  f64x2Add(): this {
    return this.#simd(0xf0);
  }
  f64x2Sub(): this {
    return this.#simd(0xf1);
  }
  f64x2Mul(): this {
    return this.#simd(0xf2);
  }

  /** The body as the code section wants it: size, local declarations, code, end. */
  encode(): number[] {
    const body: number[] = [];
    uleb(this.#locals.length, body);
    for (const type of this.#locals) body.push(1, type);
    body.push(...this.code, 0x0b);
    const out: number[] = [];
    uleb(body.length, out);
    out.push(...body);
    return out;
  }

  #op(...bytes: number[]): this {
    this.code.push(bytes[0]!);
    for (const immediate of bytes.slice(1)) uleb(immediate, this.code);
    return this;
  }
  #simd(opcode: number, ...immediates: number[]): this {
    this.code.push(0xfd);
    uleb(opcode, this.code);
    for (const immediate of immediates) uleb(immediate, this.code);
    return this;
  }
}

/**
 * A module importing `env.memory` and exporting `name`, the one function `body` with `params`
 * and no results.
 */
export function moduleBytes(name: string, params: ValueType[], body: FunctionBody): Uint8Array {
  const section = (id: number, content: number[]): number[] => {
    const out = [id];
    uleb(content.length, out);
    return out.concat(content);
  };
  const vector = (items: number[][]): number[] => {
    const out: number[] = [];
    uleb(items.length, out);
    for (const item of items) out.push(...item);
    return out;
  };
  const text = (s: string): number[] => {
    const bytes = [...new TextEncoder().encode(s)];
    const out: number[] = [];
    uleb(bytes.length, out);
    return out.concat(bytes);
  };
  const functionType = [0x60, ...vector(params.map((p) => [p])), 0];
  const memoryImport = [...text('env'), ...text('memory'), 0x02, 0x00, 0x01]; // memory, min 1 page
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector([functionType])),
    ...section(2, vector([memoryImport])),
    ...section(3, vector([[0]])), // function 0 has type 0
    ...section(7, vector([[...text(name), 0x00, 0]])), // export function 0
    ...section(10, vector([body.encode()])),
  ]);
}
