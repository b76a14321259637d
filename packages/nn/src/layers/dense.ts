import type { FloatArray, FusedActivation, MatmulOptions } from '@fmnist/core';
import { allocate } from '../dtype.js';
import type { Activation, DenseSpec } from '../spec.js';
import { Layer, type LayerContext, leading, type Weight } from './layer.js';
import type { ConfigReader, LayerType } from './layer-type.js';

/**
 * The maths of this module, at the top of its file (docs/architecture.md); `fmnist explain` quotes it
 * word for word.
 */
export const DENSE_FORMULA = `
Dense: a fully connected layer, y = act(x·W + b), with x[B×I], W[I×U], b[U], y[B×U].

forward:
  z = x·W + b            (one fused matmul; relu, sigmoid and tanh are fused into it too)
  y = act(z)             relu: max(0, z); sigmoid: 1 / (1 + e^(−z)); tanh: (e^z − e^(−z)) / (e^z + e^(−z));
                         softmax: exp(z_j) / Σ_k exp(z_k) per row; linear: z

backward, given dy = dL/dy (each derivative written with the output y the layer keeps):
  dz = dy ⊙ [y > 0]                          (relu: ReLU's output tells where it was open)
  dz = dy ⊙ y ⊙ (1 − y)                      (sigmoid: σ'(z) = σ(z)(1 − σ(z)))
  dz = dy ⊙ (1 − y²)                         (tanh: tanh'(z) = 1 − tanh²(z))
  dz = y ⊙ (dy − Σ_k dy_k y_k)               (softmax, per row: its Jacobian diag(y) − y yᵀ)
  dz = dy                                    (linear)
  dW = xᵀ·dz      db = Σ_rows dz      dx = dz·Wᵀ

With kernelRegularizer L2(l2) (Keras's keras.regularizers.L2), the loss gains l2·ΣW² at the
current weights, and its gradient joins the kernel's:  dW += 2·l2·W.

When softmax feeds the cross-entropy, the model skips the Jacobian and hands
dz = (p − onehot)/B straight to \`backwardFromZ\` (see losses.ts).

Initialisation as Keras: W ~ Glorot uniform, U(−l, l) with l = sqrt(6 / (I + U)); b = 0.
`.slice(1, -1);

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly kernel: Weight;
  readonly bias: Weight | null;

  // Per-batch buffers, sized for maxBatch rows (see allocate).
  #z: FloatArray = new Float32Array(0); // pre-activation, only kept for softmax
  #y: FloatArray = new Float32Array(0);
  #dz: FloatArray = new Float32Array(0);
  #dx: FloatArray = new Float32Array(0);
  #x: FloatArray = new Float32Array(0); // the last forward's input (a view, not a copy)
  // Reused option objects, so the hot path builds no object literals.
  readonly #forwardOptions: MatmulOptions;
  readonly #gradKernelOptions: MatmulOptions = { transposeA: true };
  readonly #gradInputOptions: MatmulOptions = { transposeB: true };

  constructor(
    name: string,
    inputShape: readonly number[],
    readonly units: number,
    readonly activation: Activation,
    readonly useBias: boolean,
    private readonly ctx: LayerContext,
    /** Keras's kernel_regularizer L2 factor: l2·ΣW² joins the loss (0: none). */
    readonly l2 = 0,
  ) {
    super(name, inputShape, [units]);
    if (inputShape.length !== 1) {
      throw new RangeError(
        `${name} (Dense) expects flat input rows but got shape [${inputShape.join(', ')}]; ` +
          'put a flatten layer before it in the model spec.',
      );
    }
    const fanIn = inputShape[0]!;
    const limit = Math.sqrt(6 / (fanIn + units));
    const kernel = allocate(ctx.dtype, fanIn * units);
    for (let i = 0; i < kernel.length; i++) kernel[i] = ctx.rng.uniform(-limit, limit);
    this.kernel = {
      name: `${name}/kernel`,
      shape: [fanIn, units],
      value: kernel,
      grad: allocate(ctx.dtype, kernel.length),
      trainable: true,
    };
    this.weights.push(this.kernel);
    this.bias = null;
    if (useBias) {
      this.bias = {
        name: `${name}/bias`,
        shape: [units],
        value: allocate(ctx.dtype, units),
        grad: allocate(ctx.dtype, units),
        trainable: true,
      };
      this.weights.push(this.bias);
    }
    this.#forwardOptions = {
      ...(this.bias ? { bias: this.bias.value } : {}),
      ...(isFused(activation) ? { activation } : {}),
    };
  }

  protected allocateBuffers(maxBatch: number): void {
    const { dtype } = this.ctx;
    this.#y = allocate(dtype, maxBatch * this.units);
    this.#z = this.activation === 'softmax' ? allocate(dtype, maxBatch * this.units) : this.#y;
    this.#dz = allocate(dtype, maxBatch * this.units);
    this.#dx = allocate(dtype, maxBatch * this.inputSize);
  }

  forward(x: FloatArray, batch: number): FloatArray {
    const { backend } = this.ctx;
    const n = batch * this.units;
    this.#x = x;
    const y = leading(this.#y, n);
    const z = leading(this.#z, n);
    backend.matmul(
      x,
      this.kernel.value,
      z,
      batch,
      this.inputSize,
      this.units,
      this.#forwardOptions,
    );
    if (this.activation === 'softmax') backend.softmaxRows(z, y, batch, this.units);
    return y;
  }

  backward(dy: FloatArray, batch: number, needInputGrad: boolean): FloatArray | null {
    const n = batch * this.units;
    const y = leading(this.#y, n);
    let dz: FloatArray;
    if (isFused(this.activation)) {
      dz = leading(this.#dz, n);
      this.ctx.backend.activationBackward(this.activation, dy, y, dz);
    } else if (this.activation === 'softmax') {
      // Only a loss other than the fused cross-entropy comes here: a host loop, its arrays
      // brought back from (and dz handed to) a device-resident backend.
      const { backend } = this.ctx;
      dz = leading(this.#dz, n);
      backend.read(dy);
      backend.read(y);
      const u = this.units;
      for (let r = 0; r < batch; r++) {
        const o = r * u;
        let dot = 0;
        for (let c = 0; c < u; c++) dot += dy[o + c]! * y[o + c]!;
        for (let c = 0; c < u; c++) dz[o + c] = y[o + c]! * (dy[o + c]! - dot);
      }
      backend.write(dz);
    } else {
      dz = dy;
    }
    return this.backwardFromZ(dz, batch, needInputGrad);
  }

  /** The linear part of backward, given dz = dL/dz (the fused softmax + cross-entropy enters here). */
  backwardFromZ(dz: FloatArray, batch: number, needInputGrad: boolean): FloatArray | null {
    const { backend } = this.ctx;
    const inSize = this.inputSize;
    // dW[I×U] = xᵀ·dz: x is stored B×I, i.e. as xᵀ's transpose.
    backend.matmul(
      this.#x,
      dz,
      this.kernel.grad!,
      inSize,
      batch,
      this.units,
      this.#gradKernelOptions,
    );
    // L2 weight decay: d(l2·ΣW²)/dW = 2·l2·W, at the weights the forward pass used.
    if (this.l2 > 0) backend.addScaled(this.kernel.grad!, this.kernel.value, 2 * this.l2);
    if (this.bias) backend.sumRows(dz, this.bias.grad!, batch, this.units);
    if (!needInputGrad) return null;
    // dx[B×I] = dz·Wᵀ: W is stored I×U, i.e. as Wᵀ's transpose.
    const dx = leading(this.#dx, batch * inSize);
    backend.matmul(dz, this.kernel.value, dx, batch, this.units, inSize, this.#gradInputOptions);
    return dx;
  }

  /** L2's l2·ΣW² at the current weights (Keras's layer.losses); 0 without a regularizer. */
  override penalty(): number {
    if (this.l2 === 0) return 0;
    return this.l2 * this.ctx.backend.sumOfSquares(this.kernel.value, this.inputSize, this.units);
  }

  /** A scratch buffer the model may write dz into before calling backwardFromZ. */
  dzBuffer(batch: number): FloatArray {
    return leading(this.#dz, batch * this.units);
  }
}

/** The activations Dense computes, by their Keras names. */
export const ACTIVATIONS: readonly Activation[] = ['relu', 'sigmoid', 'tanh', 'softmax', 'linear'];

/** The activations the backend fuses into the matmul (the rest: softmax's own kernel, or none). */
function isFused(activation: Activation): activation is FusedActivation {
  return activation === 'relu' || activation === 'sigmoid' || activation === 'tanh';
}

/** Keras's Glorot-uniform initializer as TF.js writes it into model.json. */
const GLOROT_UNIFORM = {
  class_name: 'VarianceScaling',
  config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null },
};

export const denseType: LayerType<DenseSpec> = {
  type: 'dense',
  kerasClass: 'Dense',
  baseName: 'dense',
  file: 'layers/dense.ts',
  formula: DENSE_FORMULA,
  loads: `Dense (${ACTIVATIONS.slice(0, -1).join(', ')} or ${ACTIVATIONS.at(-1)})`,
  build: (spec, name, inputShape, ctx) =>
    new Dense(
      name,
      inputShape,
      spec.units,
      spec.activation,
      spec.useBias ?? true,
      ctx,
      spec.kernelRegularizer?.l2 ?? 0,
    ),
  weightNames: (spec) => (spec.useBias === false ? ['kernel'] : ['kernel', 'bias']),
  sizes: (spec, inputSize) => ({
    weights: inputSize * spec.units + (spec.useBias === false ? 0 : spec.units),
    outputSize: spec.units,
  }),
  toConfig: (spec, name) => ({
    units: spec.units,
    activation: spec.activation,
    use_bias: spec.useBias ?? true,
    kernel_initializer: GLOROT_UNIFORM,
    bias_initializer: { class_name: 'Zeros', config: {} },
    // TF.js registers one regularizer class, L1L2 (its tf.regularizers.l2 is an L1L2 with
    // l1 = 0), so that is what is written for tf.loadLayersModel; Keras 3's own "L2" loads too.
    kernel_regularizer: spec.kernelRegularizer
      ? { class_name: 'L1L2', config: { l1: 0, l2: spec.kernelRegularizer.l2 } }
      : null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
    name,
    trainable: true,
  }),
  example: {
    type: 'dense',
    units: 5,
    activation: 'tanh',
    useBias: false,
    kernelRegularizer: { l2: 0.001 },
  },
  fromConfig: (config, { fail, show }) => {
    const activation = config.activation ?? 'linear';
    if (!ACTIVATIONS.includes(activation as Activation)) {
      fail(
        `has activation ${show(activation)}; the custom engine has ${ACTIVATIONS.slice(0, -1).join(', ')} and ${ACTIVATIONS.at(-1)}`,
      );
    }
    if (!Number.isInteger(config.units) || (config.units as number) <= 0) {
      fail(`has units ${show(config.units)}; expected a positive whole number`);
    }
    const l2 = kernelL2(config.kernel_regularizer, { fail, show });
    return {
      type: 'dense',
      units: config.units as number,
      activation: activation as Activation,
      ...(config.use_bias === false ? { useBias: false } : {}),
      ...(l2 !== undefined ? { kernelRegularizer: { l2 } } : {}),
    };
  },
};

/**
 * The L2 factor of a kernel_regularizer as Keras 3 writes it (`L2` with `l2`) or TF.js does
 * (`L1L2` with `l1` 0); none for null. Anything else (an L1 part, an unknown class) is refused.
 */
function kernelL2(value: unknown, { fail, show }: ConfigReader): number | undefined {
  if (value === null || value === undefined) return undefined;
  const { class_name: kind, config } = value as {
    class_name?: unknown;
    config?: Record<string, unknown>;
  };
  const l1 = config?.l1 ?? 0;
  const l2 = config?.l2;
  if (
    (kind !== 'L2' && kind !== 'L1L2') ||
    l1 !== 0 ||
    typeof l2 !== 'number' ||
    !(l2 >= 0) ||
    !Number.isFinite(l2)
  ) {
    fail(
      `has kernel_regularizer ${show(value)}; the custom engine has L2 only (L2 with l2 >= 0, or L1L2 with l1 0)`,
    );
  }
  return l2 as number;
}
