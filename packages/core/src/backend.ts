/**
 * The small set of kernels every backend implements (the idea of tfjs's kernel registry,
 * kept tiny as in tinygrad): exactly the kernels nn calls, no more (a kernel nobody calls is
 * deleted). nn's other arithmetic (the loss, optimizer updates, batch normalisation's
 * statistics) is plain loops in its own files, beside the maths.
 *
 * All kernels work on flat row-major typed arrays and write into a caller-owned `out`,
 * so the training loop can reuse its buffers and allocate nothing per batch. Training runs in
 * float32; the `js` backend also takes Float64Array so gradient checks can run in float64.
 */
export type FloatArray = Float32Array | Float64Array;

export interface MatmulOptions {
  /** Use aᵀ: `a` is stored k×m. */
  transposeA?: boolean;
  /** Use bᵀ: `b` is stored n×k. */
  transposeB?: boolean;
  /** Added to every row of the product (length n). */
  bias?: FloatArray;
  /** Apply max(0, x) after the bias. */
  relu?: boolean;
}

export interface Backend {
  /** What ran, e.g. `js`, `gpujs:webasm`, `gpujs:cpu`: recorded in every result. */
  readonly name: string;

  /** out[m×n] = op(a)[m×k] · op(b)[k×n] (+ bias) (then ReLU). */
  matmul(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    m: number,
    k: number,
    n: number,
    options?: MatmulOptions,
  ): void;

  /** out = a * b, elementwise (same length). */
  mul(a: FloatArray, b: FloatArray, out: FloatArray): void;
  /** out = dy where y > 0, else 0 (y is ReLU's output). */
  reluBackward(dy: FloatArray, y: FloatArray, out: FloatArray): void;
  /** Row-wise softmax of x[rows×cols], max-subtracted for stability. */
  softmaxRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void;
  /** out[cols] = sum over rows of x[rows×cols] (axis 0). */
  sumRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void;

  /** Release kernels and buffers; the backend is unusable afterwards. */
  dispose(): void;

  /** One line on what runs underneath (mode, kernel shape), for logs and reports. Optional. */
  describe?(): string;
}
