import type { Backend, FloatArray, MatmulOptions } from './backend.js';

/**
 * The readable reference backend: plain loops over typed arrays. Every other backend is
 * tested against this one, so it favours being obviously correct over being fast.
 */
export class JsBackend implements Backend {
  readonly name: string = 'js';

  matmul(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    m: number,
    k: number,
    n: number,
    options: MatmulOptions = {},
  ): void {
    const { transposeA = false, transposeB = false, bias, relu = false } = options;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[p * m + i]! : a[i * k + p]!;
          const bv = transposeB ? b[j * k + p]! : b[p * n + j]!;
          sum += av * bv;
        }
        if (bias) sum += bias[j]!;
        out[i * n + j] = relu && sum < 0 ? 0 : sum;
      }
    }
  }

  mul(a: FloatArray, b: FloatArray, out: FloatArray): void {
    for (let i = 0; i < out.length; i++) out[i] = a[i]! * b[i]!;
  }

  reluBackward(dy: FloatArray, y: FloatArray, out: FloatArray): void {
    for (let i = 0; i < out.length; i++) out[i] = y[i]! > 0 ? dy[i]! : 0;
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

  dispose(): void {}

  describe(): string {
    return 'js: plain JavaScript loops (the reference), float32 or float64';
  }
}
