import type { Backend, FloatArray } from './backend.js';

/** Thrown when tensor shapes do not fit an operation; the message names both shapes. */
export class ShapeError extends RangeError {
  override readonly name = 'ShapeError';
}

function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`Tensor dimensions must be non-negative integers, got [${shape}].`);
    }
    size *= d;
  }
  return size;
}

const show = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * A shape plus flat row-major storage. Training uses Float32Array; Float64Array is accepted so
 * gradient checks can run the js backend in float64. A tensor may be a view into another's
 * storage (`rows`, `reshape`): no copy, writes show through, which is what mini-batching wants.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly data: FloatArray;

  constructor(shape: readonly number[], data?: FloatArray) {
    const size = sizeOf(shape);
    this.shape = Object.freeze([...shape]);
    this.data = data ?? new Float32Array(size);
    if (this.data.length !== size) {
      throw new ShapeError(`Shape ${show(shape)} needs ${size} values, got ${this.data.length}.`);
    }
  }

  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(shape);
  }

  /** Copies `values` into a new float32 tensor of `shape`. */
  static from(shape: readonly number[], values: ArrayLike<number>): Tensor {
    return new Tensor(shape, Float32Array.from(values));
  }

  get size(): number {
    return this.data.length;
  }
  get rank(): number {
    return this.shape.length;
  }
  /** Rows of a matrix view: the first dimension (1 for a scalar). */
  get rowCount(): number {
    return this.shape[0] ?? 1;
  }
  /** Values per row: the product of every dimension but the first. */
  get rowSize(): number {
    return sizeOf(this.shape.slice(1));
  }

  /** Rows [start, end) as a view sharing this tensor's storage (a mini-batch, without copying). */
  rows(start: number, end: number): Tensor {
    if (this.rank === 0) throw new ShapeError('A scalar tensor has no rows to slice.');
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end)) {
      throw new ShapeError(`rows(${start}, ${end}) needs integers with 0 <= start <= end.`);
    }
    if (end > this.rowCount) {
      throw new ShapeError(`rows(${start}, ${end}) is past the end of ${show(this.shape)}.`);
    }
    const width = this.rowSize;
    const shape = [end - start, ...this.shape.slice(1)];
    return new Tensor(shape, this.data.subarray(start * width, end * width));
  }

  /** The same storage seen with another shape of the same size. */
  reshape(shape: readonly number[]): Tensor {
    if (sizeOf(shape) !== this.size) {
      throw new ShapeError(`Cannot reshape ${show(this.shape)} to ${show(shape)}: sizes differ.`);
    }
    return new Tensor(shape, this.data);
  }

  /** A copy with its own storage. */
  clone(): Tensor {
    return new Tensor(this.shape, this.data.slice());
  }

  /** The value at a multi-index (for tests and explanations, not for loops). */
  get(...index: number[]): number {
    if (index.length !== this.rank) {
      throw new ShapeError(`get() needs ${this.rank} indices for ${show(this.shape)}.`);
    }
    let flat = 0;
    for (let d = 0; d < index.length; d++) {
      const i = index[d]!;
      if (!(Number.isInteger(i) && i >= 0 && i < this.shape[d]!)) {
        throw new ShapeError(`Index [${index}] is outside ${show(this.shape)}.`);
      }
      flat = flat * this.shape[d]! + i;
    }
    return this.data[flat]!;
  }

  toArray(): number[] {
    return Array.from(this.data);
  }
}

export interface TensorMatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  bias?: Tensor;
  relu?: boolean;
}

/** [rows, cols] of a rank-2 tensor, or a ShapeError naming the operation. */
function matrix(t: Tensor, what: string): [number, number] {
  if (t.rank !== 2) throw new ShapeError(`${what} must be a matrix, got shape ${show(t.shape)}.`);
  return [t.shape[0]!, t.shape[1]!];
}

function sameShape(a: Tensor, b: Tensor, what: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${what}: shapes ${show(a.shape)} and ${show(b.shape)} differ.`);
  }
}

/**
 * The tensor operations a dense network needs, each a shape check around one backend kernel.
 * Every op takes an optional `out` to write into (so a training loop allocates nothing per
 * batch) and returns it; without `out` it allocates a float32 result.
 */
export class TensorOps {
  constructor(readonly backend: Backend) {}

  #out(shape: readonly number[], out: Tensor | undefined, what: string): Tensor {
    if (!out) return new Tensor(shape);
    if (out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`${what}: out has shape ${show(out.shape)}, expected ${show(shape)}.`);
    }
    return out;
  }

  /**
   * op(a) · op(b) (+ bias) (then ReLU), where op transposes when asked: the three forms
   * backprop needs are A·B (forward), Aᵀ·B (weight gradient) and A·Bᵀ (input gradient).
   */
  matmul(a: Tensor, b: Tensor, options: TensorMatmulOptions = {}, out?: Tensor): Tensor {
    const [ar, ac] = matrix(a, 'matmul: a');
    const [br, bc] = matrix(b, 'matmul: b');
    const [m, k] = options.transposeA ? [ac, ar] : [ar, ac];
    const [k2, n] = options.transposeB ? [bc, br] : [br, bc];
    if (k !== k2) {
      throw new ShapeError(
        `matmul: inner sizes differ, ${show(a.shape)}${options.transposeA ? 'ᵀ' : ''} · ` +
          `${show(b.shape)}${options.transposeB ? 'ᵀ' : ''}.`,
      );
    }
    if (options.bias && options.bias.size !== n) {
      throw new ShapeError(`matmul: bias has ${options.bias.size} values, expected ${n}.`);
    }
    const result = this.#out([m, n], out, 'matmul');
    this.backend.matmul(a.data, b.data, result.data, m, k, n, {
      transposeA: options.transposeA ?? false,
      transposeB: options.transposeB ?? false,
      bias: options.bias?.data,
      relu: options.relu ?? false,
    });
    return result;
  }

  add(a: Tensor, b: Tensor, out?: Tensor): Tensor {
    sameShape(a, b, 'add');
    const result = this.#out(a.shape, out, 'add');
    this.backend.add(a.data, b.data, result.data);
    return result;
  }

  mul(a: Tensor, b: Tensor, out?: Tensor): Tensor {
    sameShape(a, b, 'mul');
    const result = this.#out(a.shape, out, 'mul');
    this.backend.mul(a.data, b.data, result.data);
    return result;
  }

  scale(a: Tensor, alpha: number, out?: Tensor): Tensor {
    const result = this.#out(a.shape, out, 'scale');
    this.backend.scale(a.data, alpha, result.data);
    return result;
  }

  /** y += alpha * x, in place; returns y. */
  axpy(alpha: number, x: Tensor, y: Tensor): Tensor {
    sameShape(x, y, 'axpy');
    this.backend.axpy(alpha, x.data, y.data);
    return y;
  }

  relu(x: Tensor, out?: Tensor): Tensor {
    const result = this.#out(x.shape, out, 'relu');
    this.backend.relu(x.data, result.data);
    return result;
  }

  /** dy where ReLU's output y is positive, else 0. */
  reluBackward(dy: Tensor, y: Tensor, out?: Tensor): Tensor {
    sameShape(dy, y, 'reluBackward');
    const result = this.#out(dy.shape, out, 'reluBackward');
    this.backend.reluBackward(dy.data, y.data, result.data);
    return result;
  }

  softmaxRows(x: Tensor, out?: Tensor): Tensor {
    const [rows, cols] = matrix(x, 'softmaxRows: x');
    const result = this.#out(x.shape, out, 'softmaxRows');
    this.backend.softmaxRows(x.data, result.data, rows, cols);
    return result;
  }

  logSoftmaxRows(x: Tensor, out?: Tensor): Tensor {
    const [rows, cols] = matrix(x, 'logSoftmaxRows: x');
    const result = this.#out(x.shape, out, 'logSoftmaxRows');
    this.backend.logSoftmaxRows(x.data, result.data, rows, cols);
    return result;
  }

  /** Sum along `axis` of a matrix: axis 0 gives one value per column, axis 1 one per row. */
  sum(x: Tensor, axis: 0 | 1, out?: Tensor): Tensor {
    const [rows, cols] = matrix(x, 'sum: x');
    const result = this.#out([axis === 0 ? cols : rows], out, 'sum');
    if (axis === 0) this.backend.sumRows(x.data, result.data, rows, cols);
    else this.backend.sumCols(x.data, result.data, rows, cols);
    return result;
  }

  /** Mean along `axis` of a matrix (an empty axis gives NaN, as 0/0). */
  mean(x: Tensor, axis: 0 | 1, out?: Tensor): Tensor {
    const [rows, cols] = matrix(x, 'mean: x');
    const result = this.sum(x, axis, out);
    this.backend.scale(result.data, 1 / (axis === 0 ? rows : cols), result.data);
    return result;
  }

  /** Index of the largest value in each row (first on ties). */
  argmaxRows(x: Tensor, out?: Int32Array): Int32Array {
    const [rows, cols] = matrix(x, 'argmaxRows: x');
    const result = out ?? new Int32Array(rows);
    if (result.length !== rows) {
      throw new ShapeError(`argmaxRows: out has ${result.length} values, expected ${rows}.`);
    }
    this.backend.argmaxRows(x.data, result, rows, cols);
    return result;
  }
}
