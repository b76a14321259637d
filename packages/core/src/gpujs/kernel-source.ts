/** The gpu.js source of the matmul kernels: one literal-sized kernel per shape and option set. */
import type { FusedActivation } from '../backend.js';

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
  /**
   * Column blocks per thread: 2 makes a thread compute columns x and x + n/2 of its rows too
   * (4 rows × 2 blocks, returned as Array(8)), where the backend allows it (webasm with a flat
   * result, 4 rows, n a multiple of 8; see `columnBlocksFor`); otherwise 1.
   */
  columnBlocks: 1 | 2;
  /** `unroll` for the two-block kernels (whose eight sums leave fewer registers to unroll with). */
  blockUnroll: number;
}

/** What a matmul kernel computes besides the product: operand layouts, bias, activation. */
export interface MatmulKernelOptions {
  transposeA: boolean;
  transposeB: boolean;
  bias: boolean;
  activation: FusedActivation | undefined;
}

export const DEFAULT_MATMUL_SHAPE: MatmulKernelShape = {
  rowsPerThread: 4,
  unroll: 2,
  reads: '2d',
  columnBlocks: 2,
  blockUnroll: 1,
};
// Measured with the project's gpu.js patch (rotated loops, walking read addresses closed on an
// address test, the thread loop, in which V8 unrolls the reduction), on the 2-core AMD EPYC
// (bench/kernels, one training step's matmuls, four full runs): two blocks 214-227 µs (75-79% of
// the SIMD peak), one block 273 µs; two blocks unrolled 2 in the source 310 µs (V8 spills the
// sums).

/**
 * Writes the gpu.js kernel source for one matmul shape, with every size baked in as a literal.
 * With `columnBlocks: 2`, the two-block kernel (twoBlockKernelSource, the default on webasm
 * where n is a multiple of 8); otherwise the one-block kernel below.
 *
 * Why the one-block shape (bench/kernels, process CPU time per call on the 2-core machine; the webasm
 * module was disassembled with wabt to see what each form compiles to):
 * - Thread (x, y) computes out[rows*y + q][x] for q < rows and returns Array(rows). On webasm the
 *   four SIMD lanes are four consecutive x, so a read of B is one v128 load (a gather of 4
 *   scalar loads and lane inserts before the project's gpu.js patch) while a read of A is one
 *   load + splat: with 4 rows each B vector feeds 16 multiply-adds instead of 4.
 * - `2d` reads: the row parts of an index are i32 arithmetic on `this.thread.y` and literals,
 *   and a is 3-D, [row block][q][i], so q folds into the address as a constant. The loop
 *   counter `i` is i32 too since the project's gpu.js patch (unpatched 2.24.1 keeps every
 *   counter f32 in the walks that emit the module, so each read cost an f32 add and a
 *   truncation; `i += 2` gets the same i32 counter as `i++`): 2.2x on one training step's
 *   matmuls (1374 -> 617 µs, bench/kernels --quick).
 * - b is read as stored k×n (`b[i][x]`): a transposed b (a weight, small) is copied into that
 *   layout first, because `b[x][i]` multiplies the lane indices by k in every step.
 * - `unroll` 2: with i32 counters, one training step's matmuls take 617 µs unrolled 2, 740
 *   µs not unrolled and 639 µs unrolled 4 (bench/kernels --quick, load 0.4).
 * - Sizes as literals: the kernel is compiled per shape anyway (gpu.js fixes output sizes).
 * - Bias and ReLU fused into the same pass: no second kernel call, no second trip through out.
 */
export function matmulKernelSource(
  m: number,
  k: number,
  n: number,
  options: MatmulKernelOptions,
  shape: MatmulKernelShape,
): string {
  const { rowsPerThread: rows } = shape;
  if (shape.columnBlocks === 2 && shape.reads === '2d') {
    return twoBlockKernelSource(k, options, shape);
  }
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
    return activationSource(biased, options.activation);
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

/**
 * The two-block kernel: thread (x, y) computes rows 4y..4y+3 of columns x and x + n/2, eight
 * sums in registers, and returns them row by row ([row 0 col x, row 0 col x + n/2, row 1 ...]),
 * which with gpu.js's componentRows layout is the row-major product itself. Each sum adds the
 * same products in the same order as the one-block kernel: the same bits.
 *
 * Why (bench/kernels; V8's code for the module read with `node --print-wasm-code`): with one
 * block, each step of the reduction loads one b vector and four splats of a for 8 SIMD
 * multiply-adds; with two it loads two b vectors and the same four splats for 16, so loads and
 * address arithmetic per multiply-add halve. A hand-written WebAssembly loop of this shape
 * reaches 88-97% of the SIMD peak on this machine, one block 67-76% however it is written;
 * a third block was not tried: 12 sums, 3 b vectors and a splat need 16 vector registers, and
 * V8 keeps one of x86-64's 16 as its scratch register.
 * - b is read as [k][2][n/2] (the same memory as k×n), so the block is a literal index that
 *   gpu.js (patched) folds into the load's constant offset; `b[i][x + n/2]` would be a gather.
 * - `av` holds a's value for the row; it is declared from a per-thread read so gpu.js's webasm
 *   walk keeps it as a vector local, filled by one splat load per row and step (a scalar local
 *   costs a load and a splat): 31 -> 35 GF/s on the study's first layer.
 * - Not unrolled by default: with eight sums live, unrolling 2 made V8 spill (27 vs 31 GF/s).
 * - With the patch's walking addresses, a step is 29 instructions: 6 loads, 16 multiplies and
 *   adds, 2 address increments, the counter, its test and V8's stack check (36-37 GF/s, 75-76%
 *   of the peak, on the study's first layer and its gradient); with V8 unrolling the loop twice
 *   (one loop level down, in the patch's thread loop) and the loop closed on an address test
 *   (no counter), 27 per step with half a stack check: 38-42 GF/s, 80-88%.
 */
function twoBlockKernelSource(
  k: number,
  options: MatmulKernelOptions,
  shape: MatmulKernelShape,
): string {
  const unrolled = Math.max(1, Math.min(shape.blockUnroll, k));
  const mainTrips = Math.floor(k / unrolled) * unrolled;
  const sums: string[] = [];
  for (let q = 0; q < 4; q++) sums.push(`s${q}0`, `s${q}1`);
  const step = (i: string): string => {
    const lines = [`b0 = b[${i}][0][this.thread.x];`, `b1 = b[${i}][1][this.thread.x];`];
    for (let q = 0; q < 4; q++) {
      const aRead = options.transposeA
        ? `a[${i}][this.thread.y][${q}]`
        : `a[this.thread.y][${q}][${i}]`;
      lines.push(`av = ${aRead};`, `s${q}0 += av * b0;`, `s${q}1 += av * b1;`);
    }
    return lines.join(' ');
  };
  const body: string[] = [];
  for (let u = 0; u < unrolled; u++) body.push(step(u === 0 ? 'i' : `i + ${u}`));
  const tail: string[] = [];
  for (let i = mainTrips; i < k; i++) tail.push(step(String(i)));
  const finish = sums.map((s) => {
    const biased = options.bias ? `${s} + bx${s[2]}` : s;
    return activationSource(biased, options.activation);
  });
  return [
    `function (a, b${options.bias ? ', bias' : ''}) {`,
    sums.map((s) => `let ${s} = 0.0;`).join(' '),
    'let b0 = 0.0; let b1 = 0.0; let av = b[0][0][this.thread.x];',
    ...(mainTrips > 0
      ? [`for (let i = 0; i < ${mainTrips}; i += ${unrolled}) {`, ...body, '}']
      : []),
    ...tail,
    options.bias ? 'const bx0 = bias[0][this.thread.x]; const bx1 = bias[1][this.thread.x];' : '',
    `return [${finish.join(', ')}];`,
    '}',
  ].join('\n');
}

/**
 * Column blocks per thread for a product with `rows` rows per thread and n columns: 2 where the
 * shape asks for it and the kernel can return Array(8) laid out as the row-major product (gpu.js
 * webasm with componentRows), each block a whole number of SIMD quads (n a multiple of 8).
 */
export function columnBlocksFor(
  shape: MatmulKernelShape,
  rows: number,
  n: number,
  componentRows: boolean,
): 1 | 2 {
  return shape.columnBlocks === 2 &&
    shape.reads === '2d' &&
    componentRows &&
    rows === 4 &&
    n % 8 === 0
    ? 2
    : 1;
}

/** The largest supported rows-per-thread that divides m (odd batch sizes fall back to 1). */
export function rowsFor(m: number, wanted: number): 1 | 2 | 4 {
  if (wanted >= 4 && m % 4 === 0) return 4;
  if (wanted >= 2 && m % 2 === 0) return 2;
  return 1;
}

/**
 * A fused activation as gpu.js kernel source, for every mode (WebAssembly, CPU, WebGL). tanh is
 * written 1 − 2/(e^(2z) + 1): gpu.js's GLSL tanh, (e − 1)/(e + 1) with e = e^(2z), is NaN once
 * e^(2z) overflows (z > 44); this form tends to ±1 instead, within float32 rounding elsewhere.
 */
export function activationSource(
  expression: string,
  activation: FusedActivation | undefined,
): string {
  switch (activation) {
    case 'relu':
      return `Math.max(${expression}, 0.0)`;
    case 'sigmoid':
      return `(1.0 / (1.0 + Math.exp(-(${expression}))))`;
    case 'tanh':
      return `(1.0 - 2.0 / (Math.exp(2.0 * (${expression})) + 1.0))`;
    default:
      return expression;
  }
}

/** The derivative of a fused activation from its output y (`y`) times dy (`dy`), as kernel source. */
export function activationBackwardSource(
  dy: string,
  y: string,
  activation: FusedActivation,
): string {
  switch (activation) {
    case 'relu':
      return `(${y} > 0.0 ? ${dy} : 0.0)`;
    case 'sigmoid':
      return `(${dy} * ${y} * (1.0 - ${y}))`;
    case 'tanh':
      return `(${dy} * (1.0 - ${y} * ${y}))`;
  }
}
