import type {
  AdamUpdateArgs,
  Backend,
  BatchNormBackwardArgs,
  BatchNormForwardArgs,
  FloatArray,
  FusedActivation,
  MatmulOptions,
  MomentumUpdateArgs,
  RmspropUpdateArgs,
} from './backend.js';

/** An activation of one value, as every backend computes it (see FusedActivation). */
export function activate(activation: FusedActivation | undefined, z: number): number {
  switch (activation) {
    case 'relu':
      return z < 0 ? 0 : z;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    case 'tanh':
      return Math.tanh(z);
    default:
      return z;
  }
}

/**
 * The readable reference backend: plain loops over typed arrays. Every other backend is
 * tested against this one, so it favours being obviously correct over being fast.
 */
export class JsBackend implements Backend {
  readonly name: string = 'js';
  readonly resident = false;

  matmul(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    m: number,
    k: number,
    n: number,
    options: MatmulOptions = {},
  ): void {
    const { transposeA = false, transposeB = false, bias, activation } = options;
    // op(a)[i][p] is a[i·aRow + p·aStep] and op(b)[p][j] is b[j·bCol + p·bStep]: a stored
    // transposed (k×m) is read down its columns, and likewise b (n×k).
    const [aRow, aStep] = transposeA ? [1, m] : [k, 1];
    const [bCol, bStep] = transposeB ? [k, 1] : [1, n];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0, ai = i * aRow, bi = j * bCol; p < k; p++, ai += aStep, bi += bStep) {
          sum += a[ai]! * b[bi]!;
        }
        if (bias) sum += bias[j]!;
        out[i * n + j] = activate(activation, sum);
      }
    }
  }

  mul(a: FloatArray, b: FloatArray, out: FloatArray): void {
    for (let i = 0; i < out.length; i++) out[i] = a[i]! * b[i]!;
  }

  activationBackward(
    activation: FusedActivation,
    dy: FloatArray,
    y: FloatArray,
    out: FloatArray,
  ): void {
    switch (activation) {
      case 'relu':
        for (let i = 0; i < out.length; i++) out[i] = y[i]! > 0 ? dy[i]! : 0;
        return;
      case 'sigmoid':
        for (let i = 0; i < out.length; i++) out[i] = dy[i]! * y[i]! * (1 - y[i]!);
        return;
      case 'tanh':
        for (let i = 0; i < out.length; i++) out[i] = dy[i]! * (1 - y[i]! * y[i]!);
        return;
    }
  }

  softmaxRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < cols; c++) max = Math.max(max, x[o + c]!);
      let sum = 0;
      for (let c = 0; c < cols; c++) {
        const e = Math.exp(x[o + c]! - max);
        out[o + c] = e;
        sum += e;
      }
      for (let c = 0; c < cols; c++) out[o + c] = out[o + c]! / sum;
    }
  }

  sumRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += x[r * cols + c]!;
      out[c] = sum;
    }
  }

  batchNormForward(args: BatchNormForwardArgs): void {
    const { x, xhat, y, mean, invStd, gamma, beta, rows, cols: c } = args;
    const mm = args.movingMean;
    const mv = args.movingVariance;
    if (args.training) {
      mean.fill(0);
      this.columnSums(x, mean, rows, c);
      for (let j = 0; j < c; j++) mean[j] = mean[j]! / rows;
      const variance = invStd; // accumulate σ² in place, then turn it into 1/sqrt(σ² + ε)
      variance.fill(0);
      this.columnSquaredDeviations(x, mean, variance, rows, c);
      const m = args.momentum;
      for (let j = 0; j < c; j++) {
        const v = variance[j]! / rows;
        mm[j] = mm[j]! * m + mean[j]! * (1 - m);
        mv[j] = mv[j]! * m + v * (1 - m);
        invStd[j] = 1 / Math.sqrt(v + args.epsilon);
      }
    } else {
      for (let j = 0; j < c; j++) {
        mean[j] = mm[j]!;
        invStd[j] = 1 / Math.sqrt(mv[j]! + args.epsilon);
      }
    }
    this.batchNormNormalize(x, mean, invStd, gamma, beta, xhat, y, rows, c);
  }

  batchNormBackward(args: BatchNormBackwardArgs): void {
    const { dy, xhat, gamma, invStd, sumDy, sumDyXhat, dx, rows, cols: c } = args;
    sumDy.fill(0);
    sumDyXhat.fill(0);
    this.batchNormGradientSums(dy, xhat, sumDy, sumDyXhat, rows, c);
    for (let j = 0; j < c; j++) {
      args.dGamma[j] = sumDyXhat[j]!;
      args.dBeta[j] = sumDy[j]!;
    }
    if (!dx) return;
    if (args.training) {
      this.batchNormInputGradient(dy, xhat, gamma, invStd, sumDy, sumDyXhat, dx, rows, c);
    } else {
      for (let r = 0; r < rows; r++) {
        const o = r * c;
        for (let j = 0; j < c; j++) dx[o + j] = gamma[j]! * invStd[j]! * dy[o + j]!;
      }
    }
  }

  // Batch normalisation's passes over the whole rows×cols block, rows outer and columns inner
  // (x in memory order; each column's sums still go row by row). Protected so that a backend can
  // run them faster with the same bits (the gpu.js backends: ../wasm/loops.ts).

  /** out[j] += Σ_r x[r][j]. */
  protected columnSums(x: FloatArray, out: FloatArray, rows: number, c: number): void {
    for (let r = 0; r < rows; r++) {
      const o = r * c;
      for (let j = 0; j < c; j++) out[j] += x[o + j]!;
    }
  }

  /** out[j] += Σ_r (x[r][j] − mean[j])². */
  protected columnSquaredDeviations(
    x: FloatArray,
    mean: FloatArray,
    out: FloatArray,
    rows: number,
    c: number,
  ): void {
    for (let r = 0; r < rows; r++) {
      const o = r * c;
      for (let j = 0; j < c; j++) {
        const d = x[o + j]! - mean[j]!;
        out[j] += d * d;
      }
    }
  }

  /** x̂ = (x − mean)·invStd and y = γ·x̂ + β, x̂ kept in float64 for y. */
  protected batchNormNormalize(
    x: FloatArray,
    mean: FloatArray,
    invStd: FloatArray,
    gamma: FloatArray,
    beta: FloatArray,
    xhat: FloatArray,
    y: FloatArray,
    rows: number,
    c: number,
  ): void {
    for (let r = 0; r < rows; r++) {
      const o = r * c;
      for (let j = 0; j < c; j++) {
        const h = (x[o + j]! - mean[j]!) * invStd[j]!;
        xhat[o + j] = h;
        y[o + j] = gamma[j]! * h + beta[j]!;
      }
    }
  }

  /** sumDy[j] += Σ_r dy and sumDyXhat[j] += Σ_r dy·x̂. */
  protected batchNormGradientSums(
    dy: FloatArray,
    xhat: FloatArray,
    sumDy: FloatArray,
    sumDyXhat: FloatArray,
    rows: number,
    c: number,
  ): void {
    for (let r = 0; r < rows; r++) {
      const o = r * c;
      for (let j = 0; j < c; j++) {
        sumDy[j] += dy[o + j]!;
        sumDyXhat[j] += dy[o + j]! * xhat[o + j]!;
      }
    }
  }

  /** Training mode's dL/dx = (γ·invStd / B)·(B·dy − Σdy − x̂·Σdy·x̂), B the batch's rows. */
  protected batchNormInputGradient(
    dy: FloatArray,
    xhat: FloatArray,
    gamma: FloatArray,
    invStd: FloatArray,
    sumDy: FloatArray,
    sumDyXhat: FloatArray,
    dx: FloatArray,
    rows: number,
    c: number,
  ): void {
    for (let r = 0; r < rows; r++) {
      const o = r * c;
      for (let j = 0; j < c; j++) {
        const k = (gamma[j]! * invStd[j]!) / rows;
        dx[o + j] = k * (rows * dy[o + j]! - sumDy[j]! - xhat[o + j]! * sumDyXhat[j]!);
      }
    }
  }

  softmaxCrossEntropyBackward(
    probs: FloatArray,
    labels: FloatArray,
    out: FloatArray,
    rows: number,
    cols: number,
  ): void {
    const inv = 1 / rows;
    const n = rows * cols;
    for (let i = 0; i < n; i++) out[i] = probs[i]! * inv;
    for (let r = 0; r < rows; r++) {
      const i = r * cols + labels[r]!;
      out[i] = out[i]! - inv;
    }
  }

  lossAndCorrect(
    probs: FloatArray,
    labels: FloatArray,
    rows: number,
    cols: number,
    clip: number,
  ): { lossSum: number; correct: number } {
    let lossSum = 0;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      const label = labels[r]!;
      const p = probs[o + label]!;
      lossSum -= Math.log(Math.min(Math.max(p, clip), 1 - clip));
      let best = 0;
      for (let c = 1; c < cols; c++) if (probs[o + c]! > probs[o + best]!) best = c;
      if (best === label) correct++;
    }
    return { lossSum, correct };
  }

  sgdUpdate(value: FloatArray, grad: FloatArray, lr: number): void {
    for (let i = 0; i < value.length; i++) value[i] = value[i]! - lr * grad[i]!;
  }

  adamUpdate({ value, grad, m, v, alpha, beta1, beta2, epsilon }: AdamUpdateArgs): void {
    const oneMinusB1 = 1 - beta1;
    const oneMinusB2 = 1 - beta2;
    if (value instanceof Float32Array) {
      // float32 weights: every operation in float32, as Keras computes its float32 variables
      // (fround after each; for +, −, ×, ÷ and sqrt of float32 values that is the correctly
      // rounded float32 result). The gpu.js backend's WebAssembly SIMD update gives these bits.
      const f = Math.fround;
      const [a, c1, c2, e] = [f(alpha), f(oneMinusB1), f(oneMinusB2), f(epsilon)];
      for (let i = 0; i < value.length; i++) {
        const g = grad[i]!;
        const mi = f(m[i]! + f(f(g - m[i]!) * c1));
        const vi = f(v[i]! + f(f(f(g * g) - v[i]!) * c2));
        m[i] = mi;
        v[i] = vi;
        value[i] = f(value[i]! - f(f(mi * a) / f(f(Math.sqrt(vi)) + e)));
      }
      return;
    }
    // float64 weights: float64 arithmetic throughout.
    for (let i = 0; i < value.length; i++) {
      const g = grad[i]!;
      const mi = m[i]! + (g - m[i]!) * oneMinusB1;
      const vi = v[i]! + (g * g - v[i]!) * oneMinusB2;
      m[i] = mi;
      v[i] = vi;
      value[i] = value[i]! - (alpha * mi) / (Math.sqrt(vi) + epsilon);
    }
  }

  sumOfSquares(x: FloatArray, rows: number, cols: number): number {
    let sum = 0;
    for (let i = 0; i < rows * cols; i++) sum += x[i]! * x[i]!;
    return sum;
  }

  addScaled(out: FloatArray, x: FloatArray, scale: number): void {
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + scale * x[i]!;
  }

  momentumUpdate({ value, grad, velocity, learningRate, momentum, nesterov }: MomentumUpdateArgs) {
    for (let i = 0; i < value.length; i++) {
      const g = grad[i]!;
      velocity[i] = momentum * velocity[i]! - learningRate * g;
      // The stored (rounded) velocity, as Keras reads back its assigned variable.
      const v = velocity[i]!;
      value[i] = value[i]! + (nesterov ? momentum * v - learningRate * g : v);
    }
  }

  rmspropUpdate(args: RmspropUpdateArgs): void {
    const { value, grad, meanSquare, meanGradient, velocity, learningRate } = args;
    const { rho, momentum, epsilon } = args;
    for (let i = 0; i < value.length; i++) {
      const g = grad[i]!;
      meanSquare[i] = rho * meanSquare[i]! + (1 - rho) * g * g;
      let denominator = meanSquare[i]! + epsilon;
      if (meanGradient) {
        meanGradient[i] = rho * meanGradient[i]! + (1 - rho) * g;
        denominator = meanSquare[i]! - meanGradient[i]! * meanGradient[i]! + epsilon;
      }
      const increment = (learningRate * g) / Math.sqrt(denominator);
      if (velocity) {
        velocity[i] = momentum * velocity[i]! + increment;
        value[i] = value[i]! - velocity[i]!;
      } else {
        value[i] = value[i]! - increment;
      }
    }
  }

  read<T extends FloatArray>(array: T): T {
    return array;
  }
  write(_array: FloatArray): void {}
  release(_array: FloatArray): void {}

  dispose(): void {}

  describe(): string {
    return 'js: plain JavaScript loops (the reference), float32 or float64';
  }
}
