/**
 * The small set of kernels every backend implements (the idea of tfjs's kernel registry,
 * kept tiny as in tinygrad): exactly the kernels nn calls, no more (a kernel nobody calls is
 * deleted). Every piece of arithmetic of a training step is one of them, down to batch
 * normalisation, the loss head and the optimizer updates, so that a device-resident backend
 * can run the whole step on its device; the maths of each stays written out beside its layer
 * (nn's formulas), and js-backend.ts holds the readable loops.
 *
 * All kernels work on flat row-major typed arrays and write into a caller-owned `out`,
 * so the training loop can reuse its buffers and allocate nothing per batch. Training runs in
 * float32; the `js` backend also takes Float64Array so gradient checks can run in float64.
 *
 * Residency. On a host backend (`resident: false`: js, gpujs:webasm, gpujs:cpu,
 * gpujs:headlessgl) an array is its values and `read`/`write`/`release` do nothing. On a
 * device-resident backend (`gpujs:gl`) the same array object is also a handle: the backend
 * keeps a device copy of every array a kernel touched (a gpu.js texture) and hands that copy
 * from kernel to kernel. The rules, which nn follows and tests check on both kinds:
 * - an array the backend has not seen is read from the host the first time a kernel takes it;
 * - after a kernel writes `out`, its host copy is stale until `read(out)`;
 * - after the host changes an array the backend has seen, `write(array)` says so;
 * - `release(array)` frees its device copy (its host values stay as last read).
 * A view (`subarray`) is its own array: the short last batch of an epoch has its own copies.
 */
export type FloatArray = Float32Array | Float64Array;

/**
 * The activations a backend fuses into `matmul` (after the bias) and differentiates in
 * `activationBackward`, by their Keras names (softmax, a row-wise one, has its own kernel):
 *   relu(z) = max(0, z)                 relu'    = [y > 0]
 *   sigmoid(z) = 1 / (1 + e^(−z))       sigmoid' = y (1 − y)
 *   tanh(z) = (e^z − e^(−z))/(e^z + e^(−z))   tanh' = 1 − y²
 * Each derivative is written with the output y, which the layer keeps anyway.
 */
export type FusedActivation = 'relu' | 'sigmoid' | 'tanh';

export interface MatmulOptions {
  /** Use aᵀ: `a` is stored k×m. */
  transposeA?: boolean;
  /** Use bᵀ: `b` is stored n×k. */
  transposeB?: boolean;
  /** Added to every row of the product (length n). */
  bias?: FloatArray;
  /** Applied after the bias (none: the product as it is). */
  activation?: FusedActivation;
}

export interface Backend {
  /** What ran, e.g. `js`, `gpujs:webasm`, `gpujs:cpu`: recorded in every result. */
  readonly name: string;

  /** out[m×n] = act(op(a)[m×k] · op(b)[k×n] (+ bias)). */
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
  /**
   * out = dy ⊙ act'(z), written with the activation's output y (see FusedActivation): relu
   * dy where y > 0 else 0; sigmoid dy·y·(1 − y); tanh dy·(1 − y²).
   */
  activationBackward(
    activation: FusedActivation,
    dy: FloatArray,
    y: FloatArray,
    out: FloatArray,
  ): void;
  /** Row-wise softmax of x[rows×cols], max-subtracted for stability. */
  softmaxRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void;
  /** out[cols] = sum over rows of x[rows×cols] (axis 0). */
  sumRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void;

  // --- batch normalisation (nn's batch-normalization.ts has the formulas) -------------------

  /**
   * Training mode: per column of x[rows×cols], mean → `mean`, 1/sqrt(σ² + ε) → `invStd`
   * (σ² the biased batch variance), and the moving statistics updated in place with
   * `momentum`. Inference mode: `mean` and `invStd` from the moving statistics. Then
   * xhat = (x − mean)·invStd and y = γ·xhat + β.
   */
  batchNormForward(args: BatchNormForwardArgs): void;
  /**
   * dγ = Σ_rows dy·xhat, dβ = Σ_rows dy (also left in `sumDy`/`sumDyXhat`), and dx unless null
   * (training: γ·invStd/B·(B·dy − dβ − xhat·dγ); inference: γ·invStd·dy).
   */
  batchNormBackward(args: BatchNormBackwardArgs): void;

  // --- the loss head (nn's losses.ts has the formulas) ---------------------------------------

  /**
   * dz = (p − onehot(labels)) / rows for probabilities p[rows×cols]; `labels` holds class
   * indices as floats (one per row), so that they travel to a device like any array.
   */
  softmaxCrossEntropyBackward(
    probs: FloatArray,
    labels: FloatArray,
    out: FloatArray,
    rows: number,
    cols: number,
  ): void;
  /**
   * The batch's Σ −log(clip(p[label], ε, 1 − ε)) and how many rows have their first largest
   * probability at the label: the one value a device-resident step sends back per batch.
   */
  lossAndCorrect(
    probs: FloatArray,
    labels: FloatArray,
    rows: number,
    cols: number,
    clip: number,
  ): { lossSum: number; correct: number };

  // --- L2 weight decay (nn's dense.ts has the formulas) -------------------------------------

  /** Σ x² over x[rows×cols], summed on the host in float64: the one value an L2 penalty reads back. */
  sumOfSquares(x: FloatArray, rows: number, cols: number): number;
  /** out ← out + scale·x, elementwise (same length): L2's gradient 2·l2·W added to dW. */
  addScaled(out: FloatArray, x: FloatArray, scale: number): void;

  // --- optimizer updates, in place (nn's optimizers.ts has the formulas) --------------------

  /** value ← value − lr·grad. */
  sgdUpdate(value: FloatArray, grad: FloatArray, lr: number): void;
  /**
   * Keras's Adam with the bias correction folded into `alpha`:
   * m ← m + (g − m)(1 − β1); v ← v + (g² − v)(1 − β2); value ← value − alpha·m/(sqrt(v) + ε),
   * each operation in the weights' precision (float32 weights: float32, as Keras).
   */
  adamUpdate(args: AdamUpdateArgs): void;
  /**
   * Optional: Adam's two state arrays (m and v) for a weight, zeroed, of its element type, kept
   * where the backend's adamUpdate works on them (the gpu.js backends: the WebAssembly memory
   * their update runs in, so that m and v are not copied in and out on every step). Without
   * it, or where it returns null, the optimizer makes plain typed arrays.
   */
  adamState?(value: FloatArray): [m: FloatArray, v: FloatArray] | null;
  /**
   * Keras's SGD with momentum μ: velocity ← μ·velocity − lr·g; then value ← value + velocity,
   * or with Nesterov value ← value + μ·velocity − lr·g (with the new velocity).
   */
  momentumUpdate(args: MomentumUpdateArgs): void;
  /**
   * Keras's RMSprop: meanSquare ← ρ·meanSquare + (1 − ρ)·g²; centered: meanGradient ←
   * ρ·meanGradient + (1 − ρ)·g and d = meanSquare − meanGradient² + ε, else d = meanSquare + ε;
   * increment = lr·g/sqrt(d); with momentum μ > 0, velocity ← μ·velocity + increment and
   * value ← value − velocity, else value ← value − increment.
   */
  rmspropUpdate(args: RmspropUpdateArgs): void;

  // --- residency ----------------------------------------------------------------------------

  /** Whether arrays live on a device between kernels (see the rules above). */
  readonly resident: boolean;
  /** Brings the host copy of `array` up to date; returns it. */
  read<T extends FloatArray>(array: T): T;
  /** Tells the backend the host changed `array`. */
  write(array: FloatArray): void;
  /** Frees the device copy of `array`, if any. */
  release(array: FloatArray): void;

  /** Release kernels and buffers; the backend is unusable afterwards. */
  dispose(): void;

  /** One line on what runs underneath (mode, kernel shape), for logs and reports. Optional. */
  describe?(): string;
}

export interface BatchNormForwardArgs {
  x: FloatArray;
  /** Outputs: x̂ and y [rows×cols]; mean and invStd [cols]. */
  xhat: FloatArray;
  y: FloatArray;
  mean: FloatArray;
  invStd: FloatArray;
  gamma: FloatArray;
  beta: FloatArray;
  /** Updated in place in training mode. */
  movingMean: FloatArray;
  movingVariance: FloatArray;
  rows: number;
  cols: number;
  training: boolean;
  momentum: number;
  epsilon: number;
}

export interface BatchNormBackwardArgs {
  dy: FloatArray;
  xhat: FloatArray;
  gamma: FloatArray;
  invStd: FloatArray;
  /** Outputs [cols]: the column sums, and the gradients (the same sums, in the weight dtype). */
  sumDy: FloatArray;
  sumDyXhat: FloatArray;
  dGamma: FloatArray;
  dBeta: FloatArray;
  /** Output [rows×cols], or null to skip dL/dx. */
  dx: FloatArray | null;
  rows: number;
  cols: number;
  training: boolean;
}

export interface MomentumUpdateArgs {
  value: FloatArray;
  grad: FloatArray;
  /** Updated in place. */
  velocity: FloatArray;
  learningRate: number;
  momentum: number;
  nesterov: boolean;
}

export interface RmspropUpdateArgs {
  value: FloatArray;
  grad: FloatArray;
  /** The moving average of g², updated in place. */
  meanSquare: FloatArray;
  /** The moving average of g (centered only, else null), updated in place. */
  meanGradient: FloatArray | null;
  /** The momentum buffer (momentum > 0 only, else null), updated in place. */
  velocity: FloatArray | null;
  learningRate: number;
  rho: number;
  momentum: number;
  epsilon: number;
}

export interface AdamUpdateArgs {
  value: FloatArray;
  grad: FloatArray;
  m: FloatArray;
  v: FloatArray;
  /** lr·sqrt(1 − β2^t)/(1 − β1^t). */
  alpha: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}
