import {
  GPU,
  HeadlessGLKernel,
  type IGPUKernelSettings,
  type IKernelRunShortcut,
  Input,
  type Texture,
  WebGL2Kernel,
  WebGLKernel,
} from 'gpu.js';
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
} from '../backend.js';
import { JsBackend } from '../js-backend.js';
import { checkMatmulSizes, GpuJsFallbackError, GpuJsUnavailableError } from './backend.js';
import { activationBackwardSource, activationSource } from './kernel-source.js';

/** The gpu.js GL modes the resident backend runs on: headless-gl in Node, WebGL in a page. */
export const GL_MODES = ['headlessgl', 'webgl2', 'webgl'] as const;
export type GlMode = (typeof GL_MODES)[number];

export interface GpuJsGlBackendOptions {
  /**
   * Which gpu.js GL mode; default: `headlessgl` where there is no `document` or
   * `OffscreenCanvas` (Node), else `webgl2` if it works, else `webgl`.
   */
  mode?: GlMode;
}

/** What the backend did, for benchmarks and the memory test. */
export interface ResidentCounters {
  /** Kernel calls (draws), uploads among them. */
  kernelCalls: number;
  uploads: number;
  /** Read-backs of a texture to the host (`read`, lossAndCorrect, host fallbacks). */
  readbacks: number;
  /** Milliseconds spent in read-backs (a GPU read waits for every kernel before it). */
  readbackMs: number;
  /** Ops that ran on the host because no device kernel fits them (an odd case, see below). */
  hostFallbacks: number;
}

/** The little of a WebGL context this backend touches (core is built without the DOM's types). */
export interface GlContext {
  readonly RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
  createTexture(): unknown;
  deleteTexture(texture: unknown): void;
}

/** One array's device copy: a 2-D texture of `rows × cols`, and which side is current. */
interface Entry {
  texture: Texture | null;
  rows: number;
  cols: number;
  /** Whether the host array holds the current values (false after a kernel wrote it). */
  hostValid: boolean;
}

/**
 * `gpujs:gl`: the device-resident gpu.js backend. Every array a kernel touches gets a device copy,
 * a gpu.js texture (32-bit float, `precision: 'single'`), and stays on the device: a kernel's
 * output texture (`pipeline: true`) is the next kernel's input, so one training step is a chain
 * of kernels (forward with bias and ReLU fused into the matmul, softmax, the cross-entropy
 * gradient, the three matmul forms of backward, ReLU's mask, bias sums, batch normalisation in
 * both modes, dropout's mask multiply, SGD and Adam updates). Per batch only the input rows, the
 * labels (and a dropout mask, drawn on the host from the layer's seeded stream) go up, and the
 * batch's loss sum and correct count come back (`lossAndCorrect`): every other read is explicit
 * (`read`), as the Backend interface's residency rules say.
 *
 * Textures: the kernels are `immutable`, so each call returns a texture of its own (a
 * reference-counted clone of the kernel's output); the previous texture of the array it wrote
 * is deleted at once ("two textures swapped" for an in-place update such as w ← w − lr·g), and
 * gpu.js renders into a texture only once nobody else holds it. `liveTextures` counts what the
 * backend holds: it stays flat over a long run (tests count the GL context's textures too).
 *
 * Float textures are required (WebGL1's OES_texture_float and float reads, or WebGL2): without
 * them gpu.js would pack each float into 8-bit RGBA ("unsigned" precision), which this backend
 * refuses, with a message, rather than train at a precision nobody asked for.
 *
 * Nothing here needs Node: the same class runs in a page or Web Worker on webgl2/webgl.
 */
export class GpuJsGlBackend implements Backend {
  readonly name = 'gpujs:gl';
  readonly resident = true;
  readonly mode: GlMode;
  readonly counters: ResidentCounters = {
    kernelCalls: 0,
    uploads: 0,
    readbacks: 0,
    readbackMs: 0,
    hostFallbacks: 0,
  };
  readonly #gpu: GPU;
  readonly #js = new JsBackend();
  readonly #kernels = new Map<string, IKernelRunShortcut>();
  readonly #entries = new WeakMap<ArrayBufferLike, Map<string, Entry>>();
  /** Every entry holding a texture, to count and to free at dispose. */
  readonly #holding = new Set<Entry>();
  #disposed = false;

  constructor(options: GpuJsGlBackendOptions = {}) {
    this.mode = options.mode ?? defaultGlMode();
    const availability = glModeAvailability(this.mode);
    if (!availability.available) {
      throw new GpuJsUnavailableError(
        `gpujs:gl cannot run on gpu.js's '${this.mode}' mode: ${availability.reason}. ` +
          "Choose another backend (e.g. FMNIST_BACKEND=gpujs:webasm or 'js').",
      );
    }
    this.#gpu = new GPU({ mode: this.mode });
    this.#probe();
  }

  /**
   * One value up and back before any work: creates the GL context (gpu.js makes it with the
   * first kernel) and proves its float textures hold a 32-bit float exactly, which a context
   * that quietly packed floats into bytes would not.
   */
  #probe(): void {
    const probe = Float32Array.of(Math.fround(1 / 3));
    const values = this.#dev(probe, 1, 1).toArray() as unknown as Float32Array[];
    this.release(probe);
    if (values[0]?.[0] !== probe[0]) {
      throw new GpuJsUnavailableError(
        `gpujs:gl on '${this.mode}': a 32-bit float did not survive a texture round trip ` +
          `(${probe[0]} came back as ${values[0]?.[0]}); this GL has no usable float textures. ` +
          "Choose another backend (e.g. FMNIST_BACKEND=gpujs:webasm or 'js').",
      );
    }
  }

  /** Textures the backend holds now (one per array with a current device copy). */
  get liveTextures(): number {
    return this.#holding.size;
  }

  /** Compiled kernels (one per op and shape). */
  get compiledKernelCount(): number {
    return this.#kernels.size;
  }

  /** The GL context gpu.js draws with (for tests that count its textures, and for describe). */
  get context(): GlContext {
    return (this.#gpu as unknown as { context: GlContext }).context;
  }

  // --- residency ----------------------------------------------------------------------------

  read<T extends FloatArray>(array: T): T {
    const entry = this.#find(array);
    if (!entry || entry.hostValid || !entry.texture) return array;
    const t0 = performance.now();
    const values = entry.texture.toArray() as unknown as Float32Array[] | Float32Array;
    if (values instanceof Float32Array) array.set(values.subarray(0, array.length));
    else for (let r = 0; r < entry.rows; r++) array.set(values[r]!, r * entry.cols);
    this.counters.readbacks++;
    this.counters.readbackMs += performance.now() - t0;
    entry.hostValid = true;
    return array;
  }

  write(array: FloatArray): void {
    const entry = this.#find(array);
    if (!entry) return;
    this.#drop(entry);
    entry.hostValid = true;
  }

  release(array: FloatArray): void {
    const entry = this.#find(array);
    if (!entry) return;
    this.read(array);
    this.#drop(entry);
    this.#entries.get(array.buffer)?.delete(keyOf(array));
  }

  // --- kernels ------------------------------------------------------------------------------

  matmul(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    m: number,
    k: number,
    n: number,
    options: MatmulOptions = {},
  ): void {
    this.#assertLive();
    const { transposeA = false, transposeB = false, bias, activation } = options;
    checkMatmulSizes(a, b, out, m, k, n, bias);
    if (k === 0) {
      // No reduction (a kernel cannot hold an empty loop): the product is the bias.
      this.#onHost([bias ?? a], [out], () => this.#js.matmul(a, b, out, m, k, n, options));
      return;
    }
    const key = `mm:${m}x${k}x${n}${transposeA ? 'T' : ''}${transposeB ? 't' : ''}${bias ? 'b' : ''}${activation ? `:${activation}` : ''}`;
    const aRead = transposeA ? 'a[i][this.thread.y]' : 'a[this.thread.y][i]';
    const bRead = transposeB ? 'b[this.thread.x][i]' : 'b[i][this.thread.x]';
    const finish = `${bias ? 's + bias[0][this.thread.x]' : 's'}`;
    const kernel = this.#kernel(
      key,
      `function (a, b${bias ? ', bias' : ''}) {
  let s = 0.0;
  for (let i = 0; i < ${k}; i++) { s += ${aRead} * ${bRead}; }
  return ${activationSource(finish, activation)};
}`,
      n,
      m,
      k,
    );
    const args = [
      transposeA ? this.#dev(a, k, m) : this.#dev(a, m, k),
      transposeB ? this.#dev(b, n, k) : this.#dev(b, k, n),
    ];
    if (bias) args.push(this.#dev(bias, 1, n));
    this.#store(out, m, n, this.#run(kernel, args));
  }

  mul(a: FloatArray, b: FloatArray, out: FloatArray): void {
    this.#elementwise(
      'mul',
      'a[this.thread.y][this.thread.x] * b[this.thread.y][this.thread.x]',
      [a, b],
      out,
    );
  }

  activationBackward(
    activation: FusedActivation,
    dy: FloatArray,
    y: FloatArray,
    out: FloatArray,
  ): void {
    this.#elementwise(
      `activationBackward:${activation}`,
      activationBackwardSource(
        'a[this.thread.y][this.thread.x]',
        'b[this.thread.y][this.thread.x]',
        activation,
      ),
      [dy, y],
      out,
    );
  }

  softmaxRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
    this.#assertLive();
    const kernel = this.#kernel(
      `softmax:${rows}x${cols}`,
      `function (x) {
  let mx = x[this.thread.y][0];
  for (let c = 1; c < ${cols}; c++) { mx = Math.max(mx, x[this.thread.y][c]); }
  let sum = 0.0;
  for (let c = 0; c < ${cols}; c++) { sum += Math.exp(x[this.thread.y][c] - mx); }
  return Math.exp(x[this.thread.y][this.thread.x] - mx) / sum;
}`,
      cols,
      rows,
      cols,
    );
    this.#store(out, rows, cols, this.#run(kernel, [this.#dev(x, rows, cols)]));
  }

  sumRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
    this.#assertLive();
    this.#store(
      out,
      1,
      cols,
      this.#run(this.#sumKernel(rows, cols, 'x[r][this.thread.x]', 1), [this.#dev(x, rows, cols)]),
    );
  }

  batchNormForward(args: BatchNormForwardArgs): void {
    this.#assertLive();
    const { rows, cols } = args;
    const x = this.#dev(args.x, rows, cols);
    const col = (name: string) => `${name}[0][this.thread.x]`;
    let mean: Texture;
    let invStd: Texture;
    if (args.training) {
      mean = this.#run(this.#sumKernel(rows, cols, 'x[r][this.thread.x]', 1, `/ ${f(rows)}`), [x]);
      const variance = this.#run(
        this.#sumKernel(
          rows,
          cols,
          `(x[r][this.thread.x] - m[0][this.thread.x]) * (x[r][this.thread.x] - m[0][this.thread.x])`,
          2,
          `/ ${f(rows)}`,
        ),
        [x, mean],
      );
      const momentum = f(args.momentum);
      const rest = f(1 - args.momentum);
      const movingMean = this.#run(
        this.#mapKernel(
          `bnMoving:${cols}:${args.momentum}`,
          `a[0][this.thread.x] * ${momentum} + b[0][this.thread.x] * ${rest}`,
          2,
          1,
          cols,
        ),
        [this.#dev(args.movingMean, 1, cols), mean],
      );
      const movingVariance = this.#run(
        this.#mapKernel(
          `bnMoving:${cols}:${args.momentum}`,
          `a[0][this.thread.x] * ${momentum} + b[0][this.thread.x] * ${rest}`,
          2,
          1,
          cols,
        ),
        [this.#dev(args.movingVariance, 1, cols), variance],
      );
      invStd = this.#run(
        this.#mapKernel(
          `bnInvStd:${cols}:${args.epsilon}`,
          `1.0 / Math.sqrt(a[0][this.thread.x] + ${f(args.epsilon)})`,
          1,
          1,
          cols,
        ),
        [variance],
      );
      variance.delete();
      this.#store(args.movingMean, 1, cols, movingMean);
      this.#store(args.movingVariance, 1, cols, movingVariance);
    } else {
      mean = this.#run(this.#mapKernel(`copy:1x${cols}`, col('a'), 1, 1, cols), [
        this.#dev(args.movingMean, 1, cols),
      ]);
      invStd = this.#run(
        this.#mapKernel(
          `bnInvStd:${cols}:${args.epsilon}`,
          `1.0 / Math.sqrt(a[0][this.thread.x] + ${f(args.epsilon)})`,
          1,
          1,
          cols,
        ),
        [this.#dev(args.movingVariance, 1, cols)],
      );
    }
    this.#store(args.mean, 1, cols, mean);
    this.#store(args.invStd, 1, cols, invStd);
    const xhat = this.#run(
      this.#mapKernel(
        `bnXhat:${rows}x${cols}`,
        `(a[this.thread.y][this.thread.x] - ${col('b')}) * ${col('c')}`,
        3,
        rows,
        cols,
      ),
      [x, mean, invStd],
    );
    this.#store(args.xhat, rows, cols, xhat);
    const y = this.#run(
      this.#mapKernel(
        `bnY:${rows}x${cols}`,
        `${col('b')} * a[this.thread.y][this.thread.x] + ${col('c')}`,
        3,
        rows,
        cols,
      ),
      [xhat, this.#dev(args.gamma, 1, cols), this.#dev(args.beta, 1, cols)],
    );
    this.#store(args.y, rows, cols, y);
  }

  batchNormBackward(args: BatchNormBackwardArgs): void {
    this.#assertLive();
    const { rows, cols } = args;
    const dy = this.#dev(args.dy, rows, cols);
    const xhat = this.#dev(args.xhat, rows, cols);
    const sumDy = this.#run(this.#sumKernel(rows, cols, 'x[r][this.thread.x]', 1), [dy]);
    const sumDyXhat = this.#run(
      this.#sumKernel(rows, cols, 'x[r][this.thread.x] * m[r][this.thread.x]', 2),
      [dy, xhat],
    );
    this.#store(args.sumDy, 1, cols, sumDy);
    this.#store(args.sumDyXhat, 1, cols, sumDyXhat);
    this.#store(args.dBeta, 1, cols, sumDy.clone());
    this.#store(args.dGamma, 1, cols, sumDyXhat.clone());
    if (!args.dx) return;
    const g = 'a[0][this.thread.x] * b[0][this.thread.x]';
    const dx = args.training
      ? this.#run(
          this.#mapKernel(
            `bnDxTrain:${rows}x${cols}`,
            `${g} / ${f(rows)} * (${f(rows)} * c[this.thread.y][this.thread.x] - d[0][this.thread.x] - e[this.thread.y][this.thread.x] * g[0][this.thread.x])`,
            6,
            rows,
            cols,
          ),
          [
            this.#dev(args.gamma, 1, cols),
            this.#dev(args.invStd, 1, cols),
            dy,
            sumDy,
            xhat,
            sumDyXhat,
          ],
        )
      : this.#run(
          this.#mapKernel(
            `bnDxInfer:${rows}x${cols}`,
            `${g} * c[this.thread.y][this.thread.x]`,
            3,
            rows,
            cols,
          ),
          [this.#dev(args.gamma, 1, cols), this.#dev(args.invStd, 1, cols), dy],
        );
    this.#store(args.dx, rows, cols, dx);
  }

  softmaxCrossEntropyBackward(
    probs: FloatArray,
    labels: FloatArray,
    out: FloatArray,
    rows: number,
    cols: number,
  ): void {
    this.#assertLive();
    const inv = f(1 / rows);
    const kernel = this.#kernel(
      `sceGrad:${rows}x${cols}`,
      `function (p, labels) {
  const hit = 1.0 - Math.min(Math.abs(this.thread.x - labels[0][this.thread.y]), 1.0);
  return p[this.thread.y][this.thread.x] * ${inv} - hit * ${inv};
}`,
      cols,
      rows,
      cols,
    );
    this.#store(
      out,
      rows,
      cols,
      this.#run(kernel, [this.#dev(probs, rows, cols), this.#dev(labels, 1, rows)]),
    );
  }

  lossAndCorrect(
    probs: FloatArray,
    labels: FloatArray,
    rows: number,
    cols: number,
    clip: number,
  ): { lossSum: number; correct: number } {
    this.#assertLive();
    const key = `lossAndCorrect:${rows}x${cols}:${clip}`;
    let kernel = this.#kernels.get(key);
    if (!kernel) {
      // Not a pipeline kernel: its two numbers (thread 0 the loss sum, thread 1 the count of
      // rows whose first largest probability is at the label) are the step's read-back.
      kernel = this.#gpu.createKernel(
        `function (p, labels) {
  let loss = 0.0;
  let correct = 0.0;
  for (let r = 0; r < ${rows}; r++) {
    const label = labels[0][r];
    let atLabel = 0.0;
    let best = 0.0;
    let bestValue = p[r][0];
    let c = 0.0;
    for (let j = 0; j < ${cols}; j++) {
      const v = p[r][j];
      if (Math.abs(c - label) < 0.5) { atLabel = v; }
      if (v > bestValue) { bestValue = v; best = c; }
      c += 1.0;
    }
    loss -= Math.log(Math.min(Math.max(atLabel, ${f(clip)}), ${f(1 - clip)}));
    if (Math.abs(best - label) < 0.5) { correct += 1.0; }
  }
  if (this.thread.x < 0.5) { return loss; }
  return correct;
}`,
        {
          ...KERNEL_SETTINGS,
          pipeline: false,
          immutable: false,
          output: [2],
        } as IGPUKernelSettings,
      );
      this.#kernels.set(key, kernel);
      this.#checkMode(kernel, key, true);
    }
    const t0 = performance.now();
    const run = kernel as unknown as (...args: unknown[]) => Float32Array;
    const result = run(this.#dev(probs, rows, cols), this.#dev(labels, 1, rows));
    this.counters.kernelCalls++;
    this.counters.readbacks++;
    this.counters.readbackMs += performance.now() - t0;
    return { lossSum: result[0]!, correct: Math.round(result[1]!) };
  }

  sgdUpdate(value: FloatArray, grad: FloatArray, lr: number): void {
    this.#assertLive();
    const shape = this.#shapeOf(value, grad);
    if (!shape) {
      this.#onHost([value, grad], [value], () => this.#js.sgdUpdate(value, grad, lr));
      return;
    }
    const [rows, cols] = shape;
    const kernel = this.#mapKernel(
      `sgd:${rows}x${cols}`,
      'a[this.thread.y][this.thread.x] - lr * b[this.thread.y][this.thread.x]',
      2,
      rows,
      cols,
      ['lr'],
    );
    this.#store(
      value,
      rows,
      cols,
      this.#run(kernel, [this.#dev(value, rows, cols), this.#dev(grad, rows, cols), lr]),
    );
  }

  adamUpdate({ value, grad, m, v, alpha, beta1, beta2, epsilon }: AdamUpdateArgs): void {
    this.#assertLive();
    const shape = this.#shapeOf(value, grad);
    if (!shape) {
      this.#onHost([value, grad, m, v], [value, m, v], () =>
        this.#js.adamUpdate({ value, grad, m, v, alpha, beta1, beta2, epsilon }),
      );
      return;
    }
    const [rows, cols] = shape;
    const at = (name: string) => `${name}[this.thread.y][this.thread.x]`;
    const g = this.#dev(grad, rows, cols);
    // Three kernels, each writing one new texture: m, then v, then the weight from both.
    const mNew = this.#run(
      this.#mapKernel(
        `adamM:${rows}x${cols}`,
        `${at('a')} + (${at('b')} - ${at('a')}) * k`,
        2,
        rows,
        cols,
        ['k'],
      ),
      [this.#dev(m, rows, cols), g, 1 - beta1],
    );
    const vNew = this.#run(
      this.#mapKernel(
        `adamV:${rows}x${cols}`,
        `${at('a')} + (${at('b')} * ${at('b')} - ${at('a')}) * k`,
        2,
        rows,
        cols,
        ['k'],
      ),
      [this.#dev(v, rows, cols), g, 1 - beta2],
    );
    const w = this.#run(
      this.#mapKernel(
        `adamW:${rows}x${cols}`,
        `${at('a')} - (alpha * ${at('b')}) / (Math.sqrt(${at('c')}) + eps)`,
        3,
        rows,
        cols,
        ['alpha', 'eps'],
      ),
      [this.#dev(value, rows, cols), mNew, vNew, alpha, epsilon],
    );
    this.#store(m, rows, cols, mNew);
    this.#store(v, rows, cols, vNew);
    this.#store(value, rows, cols, w);
  }

  sumOfSquares(x: FloatArray, rows: number, cols: number): number {
    this.#assertLive();
    const key = `sumOfSquares:${rows}x${cols}`;
    let kernel = this.#kernels.get(key);
    if (!kernel) {
      // Not a pipeline kernel: its column sums of x² come back to the host (cols numbers).
      kernel = this.#gpu.createKernel(
        `function (x) {
  let s = 0.0;
  for (let r = 0; r < ${rows}; r++) { s += x[r][this.thread.x] * x[r][this.thread.x]; }
  return s;
}`,
        {
          ...KERNEL_SETTINGS,
          pipeline: false,
          immutable: false,
          output: [cols],
        } as IGPUKernelSettings,
      );
      this.#kernels.set(key, kernel);
      this.#checkMode(kernel, key, true);
    }
    const t0 = performance.now();
    const run = kernel as unknown as (...args: unknown[]) => Float32Array;
    const columns = run(this.#dev(x, rows, cols));
    this.counters.kernelCalls++;
    this.counters.readbacks++;
    this.counters.readbackMs += performance.now() - t0;
    let sum = 0;
    for (const c of columns) sum += c;
    return sum;
  }

  addScaled(out: FloatArray, x: FloatArray, scale: number): void {
    this.#assertLive();
    const shape = this.#shapeOf(out, x);
    if (!shape) {
      this.#onHost([out, x], [out], () => this.#js.addScaled(out, x, scale));
      return;
    }
    const [rows, cols] = shape;
    const at = (name: string) => `${name}[this.thread.y][this.thread.x]`;
    this.#store(
      out,
      rows,
      cols,
      this.#run(
        this.#mapKernel(`addScaled:${rows}x${cols}`, `${at('a')} + k * ${at('b')}`, 2, rows, cols, [
          'k',
        ]),
        [this.#dev(out, rows, cols), this.#dev(x, rows, cols), scale],
      ),
    );
  }

  momentumUpdate(args: MomentumUpdateArgs): void {
    this.#assertLive();
    const { value, grad, velocity, learningRate, momentum, nesterov } = args;
    const shape = this.#shapeOf(value, grad);
    if (!shape) {
      this.#onHost([value, grad, velocity], [value, velocity], () => this.#js.momentumUpdate(args));
      return;
    }
    const [rows, cols] = shape;
    const at = (name: string) => `${name}[this.thread.y][this.thread.x]`;
    const g = this.#dev(grad, rows, cols);
    // Two kernels, each writing one new texture: the velocity, then the weight from it.
    const vNew = this.#run(
      this.#mapKernel(
        `momentumV:${rows}x${cols}`,
        `mu * ${at('a')} - lr * ${at('b')}`,
        2,
        rows,
        cols,
        ['mu', 'lr'],
      ),
      [this.#dev(velocity, rows, cols), g, momentum, learningRate],
    );
    const w = this.#run(
      this.#mapKernel(
        `momentumW:${nesterov ? 'nesterov' : 'plain'}:${rows}x${cols}`,
        nesterov ? `${at('a')} + mu * ${at('b')} - lr * ${at('c')}` : `${at('a')} + ${at('b')}`,
        3,
        rows,
        cols,
        ['mu', 'lr'],
      ),
      [this.#dev(value, rows, cols), vNew, g, momentum, learningRate],
    );
    this.#store(velocity, rows, cols, vNew);
    this.#store(value, rows, cols, w);
  }

  rmspropUpdate(args: RmspropUpdateArgs): void {
    this.#assertLive();
    const { value, grad, meanSquare, meanGradient, velocity } = args;
    const shape = this.#shapeOf(value, grad);
    if (!shape) {
      const all = [
        value,
        grad,
        meanSquare,
        ...(meanGradient ? [meanGradient] : []),
        ...(velocity ? [velocity] : []),
      ];
      this.#onHost(
        all,
        all.filter((a) => a !== grad),
        () => this.#js.rmspropUpdate(args),
      );
      return;
    }
    const [rows, cols] = shape;
    const at = (name: string) => `${name}[this.thread.y][this.thread.x]`;
    const g = this.#dev(grad, rows, cols);
    const average = (key: string, term: string) =>
      this.#mapKernel(
        `${key}:${rows}x${cols}`,
        `rho * ${at('a')} + (1.0 - rho) * ${term}`,
        2,
        rows,
        cols,
        ['rho'],
      );
    const ms = this.#run(average('rmspropMs', `${at('b')} * ${at('b')}`), [
      this.#dev(meanSquare, rows, cols),
      g,
      args.rho,
    ]);
    const mg = meanGradient
      ? this.#run(average('rmspropMg', at('b')), [this.#dev(meanGradient, rows, cols), g, args.rho])
      : null;
    // increment = lr·g / sqrt(d), d read from c (meanSquare) and d (meanGradient, centered).
    const increment = `lr * ${at('b')} / Math.sqrt(${mg ? `${at('c')} - ${at('d')} * ${at('d')}` : at('c')} + eps)`;
    const inputs = (first: Texture) => [first, g, ms, ...(mg ? [mg] : [])];
    const arity = mg ? 4 : 3;
    const variant = `${mg ? 'centered' : 'plain'}:${rows}x${cols}`;
    let vNew: Texture | null = null;
    let w: Texture;
    if (velocity) {
      vNew = this.#run(
        this.#mapKernel(
          `rmspropV:${variant}`,
          `mu * ${at('a')} + ${increment}`,
          arity,
          rows,
          cols,
          ['mu', 'lr', 'eps'],
        ),
        [
          ...inputs(this.#dev(velocity, rows, cols)),
          args.momentum,
          args.learningRate,
          args.epsilon,
        ],
      );
      w = this.#run(
        this.#mapKernel(`rmspropWv:${rows}x${cols}`, `${at('a')} - ${at('b')}`, 2, rows, cols),
        [this.#dev(value, rows, cols), vNew],
      );
    } else {
      w = this.#run(
        this.#mapKernel(`rmspropW:${variant}`, `${at('a')} - ${increment}`, arity, rows, cols, [
          'lr',
          'eps',
        ]),
        [...inputs(this.#dev(value, rows, cols)), args.learningRate, args.epsilon],
      );
    }
    this.#store(meanSquare, rows, cols, ms);
    if (meanGradient && mg) this.#store(meanGradient, rows, cols, mg);
    if (velocity && vNew) this.#store(velocity, rows, cols, vNew);
    this.#store(value, rows, cols, w);
  }

  describe(): string {
    const gl = this.context;
    let renderer = 'unknown renderer';
    try {
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      renderer = String(
        gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? renderer,
      );
      const version = gl.getParameter(VERSION);
      if (version) renderer += `, ${String(version)}`;
    } catch {
      // A context that will not say is still a context.
    }
    return (
      `gpujs:gl: device-resident gpu.js kernels on '${this.mode}' (${renderer}), 32-bit float ` +
      'textures; a training step is a chain of kernels whose arrays stay on the device, and ' +
      'only the batch goes up and its loss and correct count come back'
    );
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const entry of this.#holding) entry.texture?.delete();
    this.#holding.clear();
    this.#kernels.clear();
    this.#gpu.destroy().catch(() => undefined);
  }

  // --- internals ----------------------------------------------------------------------------

  #find(array: FloatArray): Entry | undefined {
    return this.#entries.get(array.buffer)?.get(keyOf(array));
  }

  #entry(array: FloatArray, rows: number, cols: number): Entry {
    let byKey = this.#entries.get(array.buffer);
    if (!byKey) {
      byKey = new Map();
      this.#entries.set(array.buffer, byKey);
    }
    const key = keyOf(array);
    let entry = byKey.get(key);
    if (!entry) {
      entry = { texture: null, rows, cols, hostValid: true };
      byKey.set(key, entry);
    }
    return entry;
  }

  /** The device copy of `array` as a rows × cols texture, uploaded if the host is newer. */
  #dev(array: FloatArray, rows: number, cols: number): Texture {
    const entry = this.#entry(array, rows, cols);
    if (entry.texture && (entry.rows !== rows || entry.cols !== cols)) {
      // The same values seen with another shape: take them back and upload them as asked.
      this.read(array);
      this.#drop(entry);
    }
    entry.rows = rows;
    entry.cols = cols;
    if (entry.texture) return entry.texture;
    const upload = this.#mapKernel(
      `upload:${rows}x${cols}`,
      'a[this.thread.y][this.thread.x]',
      1,
      rows,
      cols,
    );
    const data = array instanceof Float32Array ? array : Float32Array.from(array);
    const texture = this.#run(upload, [new Input(data as unknown as number[], [cols, rows])]);
    this.counters.uploads++;
    entry.texture = texture;
    this.#holding.add(entry);
    return texture;
  }

  /** `array`'s device copy is now `texture` (the old one is deleted); its host copy is stale. */
  #store(array: FloatArray, rows: number, cols: number, texture: Texture): void {
    const entry = this.#entry(array, rows, cols);
    if (entry.texture && entry.texture !== texture) entry.texture.delete();
    entry.texture = texture;
    entry.rows = rows;
    entry.cols = cols;
    entry.hostValid = false;
    this.#holding.add(entry);
  }

  #drop(entry: Entry): void {
    entry.texture?.delete();
    entry.texture = null;
    this.#holding.delete(entry);
  }

  /** The shape some operand already has on the device, if any. */
  #shapeOf(...arrays: FloatArray[]): [number, number] | null {
    for (const a of arrays) {
      const entry = this.#find(a);
      if (entry) return [entry.rows, entry.cols];
    }
    return null;
  }

  #elementwise(name: string, expression: string, inputs: FloatArray[], out: FloatArray): void {
    this.#assertLive();
    const shape = this.#shapeOf(...inputs);
    if (!shape) {
      // Nothing of it is on the device yet, so no shape to give it: the js loop, then upload
      // on first use. (A training step never comes here: its operands are kernel outputs.)
      const js = this.#js as unknown as Record<string, (...args: FloatArray[]) => void>;
      this.#onHost(inputs, [out], () => js[name]!.call(this.#js, ...inputs, out));
      return;
    }
    const [rows, cols] = shape;
    const kernel = this.#mapKernel(
      `${name}:${rows}x${cols}`,
      expression,
      inputs.length,
      rows,
      cols,
    );
    this.#store(
      out,
      rows,
      cols,
      this.#run(
        kernel,
        inputs.map((a) => this.#dev(a, rows, cols)),
      ),
    );
  }

  /** Runs `op` on the host: its inputs read back first, its outputs marked as host-written. */
  #onHost(inputs: FloatArray[], outputs: FloatArray[], op: () => void): void {
    for (const a of inputs) this.read(a);
    for (const a of outputs) this.read(a);
    op();
    for (const a of outputs) this.write(a);
    this.counters.hostFallbacks++;
  }

  /** A kernel over rows × cols whose value is `expression` of its texture arguments a, b, c… */
  #mapKernel(
    key: string,
    expression: string,
    arity: number,
    rows: number,
    cols: number,
    scalars: string[] = [],
  ): IKernelRunShortcut {
    const names = ['a', 'b', 'c', 'd', 'e', 'g'].slice(0, arity);
    return this.#kernel(
      key,
      `function (${[...names, ...scalars].join(', ')}) {\n  return ${expression};\n}`,
      cols,
      rows,
      1,
    );
  }

  /** Column sums over `rows` of `term` (in r), arguments x (and m), then `after` (e.g. `/ 32.0`). */
  #sumKernel(
    rows: number,
    cols: number,
    term: string,
    arity: 1 | 2,
    after = '',
  ): IKernelRunShortcut {
    return this.#kernel(
      `sum:${rows}x${cols}:${term}:${after}`,
      `function (x${arity === 2 ? ', m' : ''}) {
  let s = 0.0;
  for (let r = 0; r < ${rows}; r++) { s += ${term}; }
  return s ${after};
}`,
      cols,
      1,
      rows,
    );
  }

  #kernel(
    key: string,
    source: string,
    width: number,
    height: number,
    loop: number,
  ): IKernelRunShortcut {
    const cached = this.#kernels.get(key);
    if (cached) return cached;
    const settings = {
      ...KERNEL_SETTINGS,
      output: [width, height],
      loopMaxIterations: Math.max(1000, loop + 1),
    } as IGPUKernelSettings;
    const kernel = this.#gpu.createKernel(source, settings);
    this.#kernels.set(key, kernel);
    return kernel;
  }

  #run(kernel: IKernelRunShortcut, args: unknown[]): Texture {
    const run = kernel as unknown as (...a: unknown[]) => Texture;
    const texture = run(...args);
    this.counters.kernelCalls++;
    if (!(kernel as unknown as { checked?: boolean }).checked)
      this.#checkMode(kernel, 'a kernel', false);
    return texture;
  }

  /** After a kernel's first call, refuse one that gpu.js quietly moved to its CPU mode. */
  #checkMode(kernel: IKernelRunShortcut, what: string, early: boolean): void {
    const inner = (kernel as unknown as { kernel?: object }).kernel;
    if (early && !inner) return; // not built until its first call; #run checks it then
    const ok =
      inner instanceof HeadlessGLKernel ||
      inner instanceof WebGL2Kernel ||
      inner instanceof WebGLKernel;
    if (!ok) {
      const reason = (inner as { fallbackReason?: string } | undefined)?.fallbackReason ?? null;
      throw new GpuJsFallbackError(
        this.mode,
        inner?.constructor.name ?? 'unknown',
        reason,
        `gpujs:gl's ${what}`,
      );
    }
    (kernel as unknown as { checked?: boolean }).checked = true;
  }

  #assertLive(): void {
    if (this.#disposed) throw new Error('gpujs:gl backend was disposed; create a new one.');
  }
}

/** WebGL's VERSION parameter (core is built without the DOM's constants). */
const VERSION = 0x1f02;

const KERNEL_SETTINGS = {
  pipeline: true,
  immutable: true,
  precision: 'single',
  tactic: 'precision',
  dynamicArguments: false,
  dynamicOutput: false,
};

/** A number as a GLSL float literal (always with a point or an exponent). */
function f(x: number): string {
  const s = String(Math.fround(x));
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function keyOf(array: FloatArray): string {
  return `${array.byteOffset}:${array.length}:${array.BYTES_PER_ELEMENT}`;
}

function defaultGlMode(): GlMode {
  const g = globalThis as { document?: unknown; OffscreenCanvas?: unknown };
  if (g.document === undefined && g.OffscreenCanvas === undefined) return 'headlessgl';
  return GPU.isWebGL2Supported ? 'webgl2' : 'webgl';
}

/** Whether gpujs:gl can run on `mode` here: the GL mode, and float textures in it. */
export function glModeAvailability(mode: GlMode = defaultGlMode()): {
  available: boolean;
  reason: string;
} {
  const supported = {
    headlessgl: () => GPU.isHeadlessGLSupported,
    webgl2: () => GPU.isWebGL2Supported,
    webgl: () => GPU.isWebGLSupported,
  }[mode]();
  if (!supported) {
    return {
      available: false,
      reason:
        mode === 'headlessgl'
          ? 'the gl addon did not load or could not create a context (is it built? on Linux it needs a display: run under xvfb-run -a)'
          : `this browser has no ${mode} context`,
    };
  }
  const features = {
    headlessgl: () => HeadlessGLKernel.features,
    webgl2: () => WebGL2Kernel.features,
    webgl: () => WebGLKernel.features,
  }[mode]() as unknown as { isFloatRead?: boolean; isTextureFloat?: boolean } | null;
  if (!features?.isTextureFloat || !features.isFloatRead) {
    return {
      available: false,
      reason: `its ${mode} context has no 32-bit float textures (OES_texture_float and float reads), which gpujs:gl needs`,
    };
  }
  return { available: true, reason: `${mode} context with 32-bit float textures` };
}
