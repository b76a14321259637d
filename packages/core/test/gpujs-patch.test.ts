/**
 * The project's patch to gpu.js 2.24.1 (patches/gpu.js@2.24.1.patch, pnpm's
 * patchedDependencies): in webasm's SIMD kernel, a read whose x index is `this.thread.x` and
 * whose other indices are lane-uniform is one v128 load instead of a gather of four scalar
 * loads. It must change nothing but speed: these check that every lane reads what gpu.js's
 * JavaScript translation (cpu mode) reads, on quads and the scalar tail, for 1-D to 3-D arrays,
 * and that a quad leaving the array falls back to the clamped gather.
 *
 * The patch's second part: integer loop counters. gpu.js's webasm walks a kernel several times;
 * the first walk casts `let i = 0`'s literal to an integer and records it, and the later walks
 * (which emit the module) read that record back as an Integer initialiser and decay the
 * counter to f32, so every index built from `i` cost an f32 add and a truncation. The patch
 * keeps the counter i32 in every walk, and gives `for (...; i += 2)` (an unrolled loop) the
 * same i32 counter as `i++`. An f32 counter cannot count past 2^24 (2^24 + 1 rounds back to
 * 2^24) and an i32 one can: that is how the tests below see which one the module has.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { GPU, type IKernelRunShortcut, Input } from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';

const webasm = new GPU({ mode: 'webasm' });
const TWO_24 = 16777216;
const cpu = new GPU({ mode: 'cpu' });
afterAll(() => {
  void webasm.destroy().catch(() => undefined);
  void cpu.destroy().catch(() => undefined);
});

type Kernel = (this: { thread: { x: number; y: number; z: number } }, ...args: never[]) => number;

function both(source: Kernel, output: number[]): [IKernelRunShortcut, IKernelRunShortcut] {
  const settings = { output, dynamicArguments: false, tactic: 'precision' as const };
  return [webasm.createKernel(source, settings), cpu.createKernel(source, settings)];
}

/** A typed array as a sized gpu.js Input (its typings say number[]; it takes any array). */
const arg = (v: Float32Array, size: number[]) =>
  new Input(v as unknown as number[], size as unknown as [number, number]);

const flat = (r: unknown): number[] =>
  r instanceof Float32Array ? Array.from(r) : (r as unknown[]).flatMap(flat);

/** Distinct, exactly representable values, so any misplaced lane shows. */
const values = (n: number) => Float32Array.from({ length: n }, (_, i) => i * 3 + 1);

/** Every module webasm compiles while `fn` runs, as bytes. */
function modulesCompiled(fn: () => void): Uint8Array[] {
  // WebAssembly is a Node global; this package's compiler settings carry no DOM typings.
  type ModuleClass = new (bytes: Uint8Array) => unknown;
  const wasm = (globalThis as unknown as { WebAssembly: { Module: ModuleClass } }).WebAssembly;
  const Original = wasm.Module;
  const seen: Uint8Array[] = [];
  // biome-ignore lint/complexity/useArrowFunction: gpu.js calls it with `new`, which an arrow refuses
  const Recording = function (bytes: Uint8Array) {
    seen.push(new Uint8Array(bytes));
    return new Original(bytes);
  } as unknown as ModuleClass;
  Object.assign(Recording, Original);
  wasm.Module = Recording;
  try {
    fn();
  } finally {
    wasm.Module = Original;
  }
  return seen;
}
/** How often the SIMD opcode `op` (0xfd prefix, single-byte LEB) appears in `bytes`. */
const countSimd = (bytes: Uint8Array, op: number) => {
  let n = 0;
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0xfd && bytes[i + 1] === op) n++;
  return n;
};

describe('gpu.js patch: unit-stride reads in webasm SIMD kernels', () => {
  it('is applied (pnpm patchedDependencies)', () => {
    const require = createRequire(import.meta.url);
    const file = require.resolve('gpu.js/src/backend/web-assembly/function-node.js');
    expect(readFileSync(file, 'utf8')).toContain('vUnitStrideLoad(layout');
  });

  it.each([4, 5, 7, 8, 13, 32])('reads a[y][x] like cpu mode, output width %i', (width) => {
    const [w, c] = both(
      function (this, a: number[][]) {
        return a[this.thread.y]![this.thread.x]!;
      } as Kernel,
      [width, 3],
    );
    const a = arg(values(width * 3), [width, 3]);
    expect(flat(w(a))).toEqual(flat(c(a)));
  });

  it('reads b[i][x] in a loop (the matmul read) like cpu mode', () => {
    const [w, c] = both(
      function (this, b: number[][]) {
        let s = 0;
        for (let i = 0; i < 6; i++) s += b[i]![this.thread.x]! * (i + 1);
        return s;
      } as Kernel,
      [11],
    );
    const b = arg(values(11 * 6), [11, 6]);
    expect(flat(w(b))).toEqual(flat(c(b)));
  });

  it('reads a 3-D a[z][y][x] like cpu mode', () => {
    const [w, c] = both(
      function (this, a: number[][][]) {
        return a[this.thread.z]![this.thread.y]![this.thread.x]!;
      } as Kernel,
      [9, 2, 3],
    );
    const a = arg(values(9 * 2 * 3), [9, 2, 3]);
    expect(flat(w(a))).toEqual(flat(c(a)));
  });

  it('a quad past the end of the array takes the clamped gather, as before the patch', () => {
    const [w] = both(
      function (this, a: number[][]) {
        return a[this.thread.y + 3]![this.thread.x]!;
      } as Kernel,
      [5],
    );
    const data = values(5 * 2);
    const result = flat(w(arg(data, [5, 2])));
    // The quad (x 0-3) clamps each lane's index into the array: the last element. (gpu.js's
    // scalar tail, x = 4, reads 0 out of range: a difference of gpu.js's own, left as it is.)
    expect(result.slice(0, 4)).toEqual(Array(4).fill(data[data.length - 1]));
  });

  it('leaves lane-varying rows alone: a[x][y] is still a gather, and right', () => {
    const [w, c] = both(
      function (this, a: number[][]) {
        return a[this.thread.x]![this.thread.y]!;
      } as Kernel,
      [6, 4],
    );
    const a = arg(values(6 * 4), [4, 6]);
    expect(flat(w(a))).toEqual(flat(c(a)));
  });
});

describe('gpu.js patch: integer loop counters in webasm kernels', () => {
  it('is applied (pnpm patchedDependencies)', () => {
    const require = createRequire(import.meta.url);
    const file = require.resolve('gpu.js/src/backend/web-assembly/function-node.js');
    const source = readFileSync(file, 'utf8');
    expect(source).toContain('declarationInitType(init)');
    expect(source).toContain('suggestIntegerSteps(ast)');
  });

  // i + 2^24 + 1 is exact in i32 and rounds in f32 (2^24 + 1 is not a float32), so the sum
  // tells which counter the module has, in one pass (a counter that stalls could hang a test).
  it('`i++` is an i32 counter: i + 2^24 + 1 is exact, as in cpu mode', () => {
    const [w, c] = both(
      function (this) {
        let s = 0;
        for (let i = 0; i < 3; i++) s += i + 16777217 - 16777216;
        return s + this.thread.x;
      } as Kernel,
      [5],
    );
    expect(flat(c())).toEqual([6, 7, 8, 9, 10]);
    expect(flat(w())).toEqual(flat(c()));
    expect(Math.fround(TWO_24 + 1)).toBe(TWO_24);
  });

  it('`i += 2` is an i32 counter too', () => {
    const [w, c] = both(
      function (this) {
        let s = 0;
        for (let i = 0; i < 6; i += 2) s += i + 16777217 - 16777216;
        return s + this.thread.x;
      } as Kernel,
      [6],
    );
    expect(flat(c())).toEqual([9, 10, 11, 12, 13, 14]);
    expect(flat(w())).toEqual(flat(c()));
  });

  it('`i -= 3` counts down like cpu mode', () => {
    const [w, c] = both(
      function (this) {
        let s = 0;
        for (let i = 9; i > 0; i -= 3) s += i + 16777217 - 16777216;
        return s + this.thread.x;
      } as Kernel,
      [4],
    );
    expect(flat(c())).toEqual([21, 22, 23, 24]);
    expect(flat(w())).toEqual(flat(c()));
  });

  it('an unrolled reduction with an i32 counter reads b[i][x] and b[i + 1][x] like cpu mode', () => {
    const [w, c] = both(
      function (this, b: number[][]) {
        let s = 0;
        for (let i = 0; i < 10; i += 2) {
          s += b[i]![this.thread.x]! * (i + 1);
          s += b[i + 1]![this.thread.x]! * (i + 2);
        }
        return s;
      } as Kernel,
      [7],
    );
    const b = arg(values(7 * 10), [7, 10]);
    expect(flat(w(b))).toEqual(flat(c(b)));
  });

  it('a counter the body assigns, or one that starts at a fraction, keeps its old f32 form', () => {
    const [w, c] = both(
      function (this) {
        let s = 0;
        for (let i = 0; i < 9; i += 2) {
          s += i;
          if (s > 3) i = i + 0.5;
        }
        for (let j = 0.5; j < 4; j += 1) s += j;
        return s + this.thread.x;
      } as Kernel,
      [5],
    );
    expect(flat(w())).toEqual(flat(c()));
  });
});

/**
 * The patch's third part, from bench/kernels' disassembly of the study's matmuls: (1) a
 * unit-stride read computes lane 0's flat index once in scalar i32 (thread.x + y·width + …)
 * instead of in i32x4 with a multiply and a lane extract per read; (2) the SIMD kernel reads
 * thread.x (the quad's base), thread.y and thread.z into locals once per call instead of a
 * global per read; (3) an f32 load splatted to four lanes is one `v128.load32_splat`; (4) an
 * index that is a non-negative integer literal (the q of a[y][q][i]) goes into the load's
 * constant offset, so the reads a[y][0][i] ... a[y][3][i] share one address computation;
 * (5) a unit-stride read whose indices have known ranges (literals, thread.y/z, the counter of
 * a counted loop) that keep every quad inside the array is a v128 load without the bounds
 * check. None may change a value.
 */
describe('gpu.js patch: scalar lane-0 index, thread.y/z in locals, load32_splat', () => {
  it('is applied (pnpm patchedDependencies)', () => {
    const require = createRequire(import.meta.url);
    const node = require.resolve('gpu.js/src/backend/web-assembly/function-node.js');
    const builder = require.resolve('gpu.js/src/backend/web-assembly/wasm-builder.js');
    expect(readFileSync(node, 'utf8')).toContain('_vThreadLocals');
    expect(readFileSync(node, 'utf8')).toContain('layout.offset + constant * 4');
    expect(readFileSync(node, 'utf8')).toContain('unitStrideInBounds(layout');
    expect(readFileSync(node, 'utf8')).toContain('splitIndexConstant(ast)');
    expect(readFileSync(node, 'utf8')).toContain('assembler.componentRows');
    expect(readFileSync(builder, 'utf8')).toContain('v128.load32_splat');
  });

  it('the matmul kernel form (a[y][q][i] · b[i][x], 3-D output) reads like cpu mode', () => {
    const [w, c] = both(
      function (this, a: number[][][], b: number[][]) {
        let s = 0;
        for (let i = 0; i < 7; i++) {
          s += a[this.thread.z]![this.thread.y]![i]! * b[i]![this.thread.x]!;
        }
        return s;
      } as Kernel,
      [10, 3, 2],
    );
    const a = arg(values(2 * 3 * 7), [7, 3, 2]);
    const b = arg(values(7 * 10), [10, 7]);
    expect(flat(w(a, b))).toEqual(flat(c(a, b)));
  });

  it('a splatted lane-uniform read is one v128.load32_splat, and exact', () => {
    const [w, c] = both(
      function (this, a: number[][], b: number[][]) {
        return a[this.thread.y]![2]! + b[this.thread.y]![this.thread.x]!;
      } as Kernel,
      [8, 3],
    );
    const a = arg(values(3 * 4), [4, 3]);
    const b = arg(
      values(8 * 3).map((v) => v / 7),
      [8, 3],
    );
    let result: unknown;
    const modules = modulesCompiled(() => {
      result = w(a, b);
    });
    expect(modules.length).toBeGreaterThan(0);
    // 0x09: v128.load32_splat; 0x13 (f32x4.splat) is left for splats of computed values.
    expect(countSimd(modules.at(-1)!, 0x09)).toBeGreaterThan(0);
    expect(flat(result)).toEqual(flat(c(a, b)));
  });

  it('a row index below zero takes the clamped gather, not a wild v128 load', () => {
    const [w] = both(
      function (this, a: number[][]) {
        return a[this.thread.y - 1]![this.thread.x]!;
      } as Kernel,
      [4, 2],
    );
    const data = values(4 * 2);
    const result = flat(w(arg(data, [4, 2])));
    // Row y = 0 reads row -1: lane 0's flat index is -4, below the array, so every lane clamps
    // to element 0 (what the gather did before the patch); row 1 reads row 0 in one load.
    expect(result.slice(0, 4)).toEqual(Array(4).fill(data[0]));
    expect(result.slice(4, 8)).toEqual(Array.from(data.slice(0, 4)));
  });

  it('literal indices (folded into the offset) read like cpu mode, in plain and masked code', () => {
    const [w, c] = both(
      function (this, a: number[][][]) {
        let s = a[1]![0]![this.thread.x]! + a[0]![2]![3]!;
        for (let i = 0; i < 5; i++) s += a[this.thread.y]![3]![i]! * (i + 1);
        // a branch that differs between lanes: SIMD evaluates it predicated (masked)
        if (this.thread.x > 2) s += a[this.thread.y]![1]![4]!;
        return s;
      } as Kernel,
      [6, 2],
    );
    const a = arg(values(2 * 4 * 6), [6, 4, 2]);
    expect(flat(w(a))).toEqual(flat(c(a)));
  });

  it('a counted loop that runs past the array keeps the bounds check (and the clamped gather)', () => {
    // b has 3 rows; i reaches 3, so the last trip's quad reads past the end and must clamp
    // as before, while the trips inside the array read like cpu mode.
    const [w] = both(
      function (this, b: number[][]) {
        let s = 0;
        for (let i = 0; i < 4; i++) s += b[i]![this.thread.x]! * (i + 1);
        return s;
      } as Kernel,
      [4],
    );
    const data = values(4 * 3);
    const got = flat(w(arg(data, [4, 3])));
    const last = data[data.length - 1]!;
    const want = [0, 1, 2, 3].map((x) => data[x]! + 2 * data[4 + x]! + 3 * data[8 + x]! + 4 * last);
    expect(got).toEqual(want);
  });

  it('b[i + 1][x] past the end of b keeps the check (its 1 folded into the offset) and clamps', () => {
    const [w, c] = both(
      function (this, b: number[][]) {
        let s = 0;
        for (let i = 0; i < 4; i += 2) s += b[i]![this.thread.x]! + 10 * b[i + 1]![this.thread.x]!;
        return s;
      } as Kernel,
      [8],
    );
    // b has 3 rows: the second trip's b[3] is past the end, the gather clamps each lane to
    // the last element; the other reads are inside and read like cpu mode.
    const data = values(8 * 3);
    const got = flat(w(arg(data, [8, 3])));
    const last = data[data.length - 1]!;
    const want = Array.from(
      { length: 8 },
      (_, x) => data[x]! + 10 * data[8 + x]! + data[16 + x]! + 10 * last,
    );
    expect(got).toEqual(want);
    // c is cpu mode's translation of the same kernel: with b's 3 rows it reads undefined past
    // the end (NaN), which is why the expected values above are written out.
    expect(flat(c(arg(data, [8, 3]))).slice(0, 1)).toEqual([Number.NaN]);
  });
});

/**
 * The patch's `componentRows` setting (webasm): an Array(n) result lies in memory as n rows of
 * the output width per output row, so the SIMD kernel stores a quad's component with one v128
 * store and the backend copies a matmul's m×n product out in one piece. What the kernel returns
 * must be the same as without it, for every width (quads and the scalar tail), n and depth.
 */
describe('gpu.js patch: componentRows', () => {
  it('returns what the default layout returns, for Array(2), (3), (4), 1-D to 3-D, divergent returns', () => {
    for (const output of [[8, 3], [10, 2], [5, 3, 2], [7]]) {
      for (const n of [2, 3, 4]) {
        const parts = (shift: string) =>
          Array.from(
            { length: n },
            (_, c) =>
              `${c * 100} + this.thread.y * 10 + this.thread.z * 1000 + this.thread.x${shift}`,
          );
        const source = `function (a) {
          if (this.thread.x > 5) return [${parts(' + a[this.thread.x % 3]').join(', ')}];
          return [${parts('').join(', ')}];
        }`;
        const make = (componentRows: boolean) =>
          webasm.createKernel(source, {
            output,
            returnType: `Array(${n})`,
            componentRows,
            tactic: 'precision',
          } as never);
        const a = new Float32Array([1.5, 2.5, 3.5]);
        expect(flat(make(true)(a as never)), `${output} Array(${n})`).toEqual(
          flat(make(false)(a as never)),
        );
      }
    }
  });

  it('lays the result out as rows in the module’s memory', () => {
    const kernel = webasm.createKernel(
      function (this: { thread: { x: number } }) {
        return [this.thread.x, 100 + this.thread.x];
      },
      { output: [4], returnType: 'Array(2)', componentRows: true } as never,
    );
    kernel();
    const entry = (
      kernel.kernel as unknown as {
        _active: { f32: Float32Array; layout: { outputOffset: number } };
      }
    )._active;
    const at = entry.layout.outputOffset / 4;
    expect(Array.from(entry.f32.slice(at, at + 8))).toEqual([0, 1, 2, 3, 100, 101, 102, 103]);
  });
});

/**
 * The patch's fourth part, for the two-block matmul kernel (kernel-source.ts): (1) a kernel may
 * return Array(5) .. Array(16) from an array literal, stored as Array(4)'s is; (2) a literal y
 * or z in a unit-stride read (b[i][1][x]) goes wholly into the load's constant offset; (3) a
 * counted `for` loop is emitted rotated (test once before the loop, then at the bottom of each
 * trip) so that V8 can hoist what the body recomputes every trip; (4) in a counted loop, a
 * read indexed by the counter (and thread.y / thread.z) walks a byte address kept in a local
 * instead of computing it every trip. None may change a value.
 */
describe('gpu.js patch: wide returns, literal row offsets, rotated loops', () => {
  it('returns Array(8) and Array(16) per thread, with and without componentRows, 1-D to 3-D', () => {
    for (const output of [[8, 3], [10, 2], [5, 3, 2], [7]]) {
      for (const n of [5, 8, 16]) {
        const parts = Array.from(
          { length: n },
          (_, c) => `${c * 100} + this.thread.y * 10 + this.thread.z * 1000 + this.thread.x`,
        );
        const source = `function () { return [${parts.join(', ')}]; }`;
        const [width, height = 1, depth = 1] = output as [number, number?, number?];
        const want: number[] = [];
        for (let z = 0; z < depth; z++)
          for (let y = 0; y < height; y++)
            for (let x = 0; x < width; x++)
              for (let c = 0; c < n; c++) want.push(c * 100 + y * 10 + z * 1000 + x);
        for (const componentRows of [false, true]) {
          const kernel = webasm.createKernel(source, {
            output,
            returnType: `Array(${n})`,
            componentRows,
            tactic: 'precision',
          } as never);
          expect(flat(kernel()), `${output} Array(${n}) componentRows ${componentRows}`).toEqual(
            want,
          );
        }
      }
    }
  });

  it('Array(17) is still refused (webasm falls back rather than mis-store it)', () => {
    const parts = Array.from({ length: 17 }, (_, c) => `${c} + this.thread.x`);
    const kernel = webasm.createKernel(`function () { return [${parts.join(', ')}]; }`, {
      output: [4],
      returnType: 'Array(17)',
    } as never);
    expect(() => kernel()).toThrow();
  });

  it('b[i][1][x] (a literal row, folded into the offset) reads like cpu mode', () => {
    const [w, c] = both(
      function (this, b: number[][][]) {
        let s = 0;
        for (let i = 0; i < 5; i++) {
          s += b[i]![0]![this.thread.x]! + 1000 * b[i]![1]![this.thread.x]!;
        }
        return s + b[2]![1]![this.thread.x]!;
      } as Kernel,
      [12],
    );
    const b = arg(values(12 * 2 * 5), [12, 2, 5]);
    expect(flat(w(b))).toEqual(flat(c(b)));
  });

  it('walking addresses in counted loops: continue, break, steps of 2, offsets, nesting, zero trips', () => {
    // Each read below is indexed by a loop counter and thread.y / thread.z, the reads the
    // SIMD kernel keeps a walking byte address for (set before the loop, advanced per trip).
    const [w, c] = both(
      function (this, a: number[][][], b: number[][][]) {
        let s = 0;
        for (let i = 0; i < 6; i++) {
          if (i === 2) continue; // the addresses must still advance
          s += b[i]![this.thread.y]![this.thread.x]! * a[this.thread.z]![this.thread.y]![i]!;
        }
        for (let i = 1; i < 6; i += 2) {
          // starts at 1, steps 2; b[i - 1]: not the pattern (a subtraction), computed as before
          s += b[i]![1]![this.thread.x]! + 3 * b[i - 1]![0]![this.thread.x]!;
          s += a[this.thread.z]![1]![i]! * 7;
        }
        for (let i = 0; i < 4; i++) {
          if (i === 3) break;
          for (let j = 0; j < 3; j++) {
            // j's reads walk in the inner loop; i's is the outer counter, constant inside
            s += b[j]![this.thread.y]![this.thread.x]! * (i + 1) + b[i]![2]![this.thread.x]!;
            s += a[this.thread.z]![j]![i]!;
          }
        }
        for (let i = 0; i < 0; i++) s += b[i]![0]![this.thread.x]!; // zero trips
        return s;
      } as Kernel,
      [8, 3, 2],
    );
    const a = arg(values(2 * 3 * 6), [6, 3, 2]);
    const b = arg(
      values(8 * 3 * 6).map((v) => v / 4),
      [8, 3, 6],
    );
    expect(flat(w(a, b))).toEqual(flat(c(a, b)));
  });

  it('closes a counted loop on a walking address: `<=`, steps that do not divide the range, one trip, the counter also read', () => {
    // The loop's exit test compares a walking address with the address after the last trip
    // (first + trips × advance), so a wrong trip count runs a row too many or too few.
    const source = function (this, a: number[][][], b: number[][][]) {
      let s = 0;
      for (let i = 1; i < 9; i += 3) s += b[i]![this.thread.y]![this.thread.x]!; // 1, 4, 7
      for (let i = 0; i <= 4; i += 2) s += 10 * b[i]![0]![this.thread.x]! + i; // 0, 2, 4
      for (let i = 2; i <= 2; i++) s += 100 * a[this.thread.z]![this.thread.y]![i]!; // once
      for (let i = 0; i < 7; i += 7) s += 1000 * b[i]![1]![this.thread.x]!; // once
      for (let i = 5; i > 0; i -= 2) s += 7 * b[i]![2]![this.thread.x]!; // down: a counter test
      return s;
    } as Kernel;
    const a = arg(values(2 * 3 * 6), [6, 3, 2]);
    const b = arg(
      values(8 * 3 * 9).map((v) => v / 4),
      [8, 3, 9],
    );
    let got: number[] = [];
    const modules = modulesCompiled(() => {
      const [w] = both(source, [8, 3, 2]);
      got = flat(w(a, b));
    });
    const [, c] = both(source, [8, 3, 2]);
    expect(got).toEqual(flat(c(a, b)));
    // written out for thread (0, 0, 0): b rows 1, 4, 7 of (y 0, x 0); rows 0, 2, 4 of b[i][0][0]
    const bv = values(8 * 3 * 9).map((v) => v / 4);
    const av = values(2 * 3 * 6);
    const at = (i: number, y: number) => bv[i * 24 + y * 8]!;
    const want =
      at(1, 0) +
      at(4, 0) +
      at(7, 0) +
      10 * (at(0, 0) + at(2, 0) + at(4, 0)) +
      6 +
      100 * av[2]! +
      1000 * at(0, 1) +
      7 * (at(5, 2) + at(3, 2) + at(1, 2));
    expect(got[0]).toBe(want);
    // local.get p, local.get end, i32.ne, br_if 0: a loop closed on an address
    const closes = (bytes: Uint8Array) => {
      let n = 0;
      for (let i = 0; i + 6 < bytes.length; i++) {
        if (
          bytes[i] === 0x20 &&
          bytes[i + 2] === 0x20 &&
          bytes[i + 4] === 0x47 &&
          bytes[i + 5] === 0x0d &&
          bytes[i + 6] === 0x00
        )
          n++;
      }
      return n;
    };
    expect(modules.length).toBeGreaterThan(0);
    expect(Math.max(...modules.map(closes))).toBeGreaterThanOrEqual(4);
  });

  it('the thread loop: every quad of a span starts afresh (lane masks, early returns, assigned arguments)', () => {
    // kernel_simd runs all the quads of its span in one call (the patch's thread loop): what
    // one quad leaves behind (retired lanes, a returned quad, an argument it assigned) must
    // not leak into the next. 2-D and 3-D outputs, widths with and without a scalar tail.
    const source = function (this, a: number[][][], k: number) {
      let s = a[this.thread.z]![this.thread.y]![this.thread.x]!;
      if (this.thread.y === 1) return s + 5000; // uniform per quad: the quad's trip ends
      if (this.thread.x % 3 === 0) return s + 1000; // divergent: these lanes retire
      k = k + this.thread.x * 2; // an assigned argument, seeded per quad
      for (let i = 0; i < 3; i++) {
        if (this.thread.x % 5 === 1) break; // a lane-varying exit
        s += a[this.thread.z]![i]![this.thread.x]! * (i + 1);
      }
      return s + k;
    } as Kernel;
    for (const output of [
      [16, 3, 2],
      [12, 3],
      [10, 3, 2],
    ]) {
      const [w, c] = both(source, output);
      const [width, height, depth = 1] = output as [number, number, number?];
      const a = arg(values(width * height * depth), [width, height, depth]);
      expect(flat(w(a, 7)), `output ${output}`).toEqual(flat(c(a, 7)));
    }
    // random numbers keep the per-quad call (their seeding is per quad): still right
    const random = webasm.createKernel(
      function (this: { thread: { x: number } }) {
        const r = Math.random();
        return r >= 0 && r < 1 ? this.thread.x : -1;
      },
      { output: [32] },
    );
    expect(flat(random())).toEqual(Array.from({ length: 32 }, (_, i) => i));
  });

  it('rotated for loops: zero trips, break, continue, nested, lane-varying bounds, like cpu mode', () => {
    const [w, c] = both(
      function (this, b: number[][]) {
        let s = 0;
        for (let i = 0; i < 0; i++) s += 1000; // never runs
        for (let i = 3; i < 2; i++) s += 2000; // never runs: the guard, not the bottom test
        for (let i = 0; i < 6; i++) {
          if (i === 1) continue;
          if (i === 4) break;
          s += b[i]![this.thread.x]!;
          for (let j = 0; j < 3; j++) {
            if (j === 2) continue;
            s += (i + 1) * (j + 1);
          }
        }
        // a lane-varying trip count, its counter named like the loops above (the uniformity
        // analyses once disagreed on such a shared name and the module failed validation)
        for (let i = 0; i < this.thread.x; i++) s += 0.5;
        let t = 0;
        for (let i = 10; i > 0; i -= 3) t += i; // counts down: 10, 7, 4, 1
        return s + t;
      } as Kernel,
      [7],
    );
    const b = arg(values(7 * 6), [7, 6]);
    const got = flat(w(b));
    expect(got).toEqual(flat(c(b)));
    // written out for lane 0: rows 0, 2, 3 of b; the inner sums (i+1)·(1+2) for i = 0, 2, 3; t = 22
    const data = values(7 * 6);
    expect(got[0]).toBe(data[0]! + data[14]! + data[21]! + 3 * (1 + 3 + 4) + 22);
  });
});
