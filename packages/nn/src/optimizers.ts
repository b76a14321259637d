import { type Backend, type FloatArray, JsBackend } from '@fmnist/core';
import { InvalidArgumentError } from './errors.js';
import { KERAS_DEFAULTS, type OptimizerSpec } from './spec.js';

/**
 * The maths of this module, at the top of its file (docs/architecture.md); `fmnist explain` quotes it
 * word for word.
 */
export const OPTIMIZER_FORMULA = `
Optimizers, as Keras 3 implements them. Each step reads every trainable weight's \`grad\` and
updates its \`value\` in place.

SGD (keras/src/optimizers/sgd.py):  w ← w − lr · g
  with momentum μ > 0:  v ← μ · v − lr · g;  w ← w + v
  with Nesterov:        v ← μ · v − lr · g;  w ← w + μ · v − lr · g   (a look-ahead along the new v)

Adam (keras/src/optimizers/adam.py), with t = iterations + 1:
  α = lr · sqrt(1 − β2^t) / (1 − β1^t)      (bias correction folded into the step size)
  m ← m + (g − m) · (1 − β1)
  v ← v + (g² − v) · (1 − β2)
  w ← w − α · m / (sqrt(v) + ε)
ε is Keras's "epsilon hat": added to sqrt(v) itself, not to the bias-corrected sqrt(v̂), which
is what makes this form differ slightly from Algorithm 1 of the paper.

RMSprop (keras/src/optimizers/rmsprop.py):
  s ← ρ · s + (1 − ρ) · g²                          (the mean square, "velocity" in Keras)
  d = s + ε,  or centered:  ḡ ← ρ · ḡ + (1 − ρ) · g;  d = s − ḡ² + ε
  Δ = lr · g / sqrt(d)                               (ε inside the square root)
  w ← w − Δ,  or with momentum μ > 0:  m ← μ · m + Δ;  w ← w − m
`.slice(1, -1);

/** Where updates run when no backend is given: the readable js loops. */
const HOST: Backend = new JsBackend();

/** What an optimizer needs of a weight: its value and the gradient to apply. */
export interface Parameter {
  readonly value: FloatArray;
  readonly grad: FloatArray | null;
}

export interface Optimizer {
  /** The spec this optimizer was built from, with Keras's defaults filled in. */
  readonly config: Required<Pick<OptimizerSpec, 'type'>> & Record<string, number | string>;
  /** Steps taken so far (Keras's `optimizer.iterations`). */
  readonly iterations: number;
  /**
   * One update of every parameter from its current `grad`, as `backend` kernels (the model's
   * own backend, so that a device-resident one updates its weights where they live; default:
   * the js loops).
   */
  applyGradients(params: readonly Parameter[], backend?: Backend): void;
  /**
   * Optimizer variables as Keras's summary counts them once built (after the first step; 0
   * before): the iteration counter and the learning rate, plus Adam's m and v per weight.
   */
  countVariables(): number;
}

export interface SGDOptions {
  momentum?: number;
  nesterov?: boolean;
}

export class SGD implements Optimizer {
  readonly config;
  readonly momentum: number;
  readonly nesterov: boolean;
  iterations = 0;
  // One velocity per parameter when momentum > 0, created on the first step (Keras's build).
  #velocities: FloatArray[] = [];

  constructor(
    readonly learningRate: number,
    options: SGDOptions = {},
  ) {
    checkPositive('SGD learningRate', learningRate);
    this.momentum = options.momentum ?? KERAS_DEFAULTS.sgd.momentum;
    this.nesterov = options.nesterov ?? KERAS_DEFAULTS.sgd.nesterov;
    checkUnitInterval('SGD momentum', this.momentum);
    this.config = {
      type: 'sgd' as const,
      learningRate,
      // Plain SGD's config stays as it was; momentum and Nesterov appear when used.
      ...(this.momentum > 0 ? { momentum: this.momentum, nesterov: String(this.nesterov) } : {}),
    };
  }

  applyGradients(params: readonly Parameter[], backend: Backend = HOST): void {
    if (this.momentum === 0) {
      for (const { value, grad } of params)
        if (grad) backend.sgdUpdate(value, grad, this.learningRate);
      this.iterations++;
      return;
    }
    if (this.#velocities.length === 0) this.#velocities = params.map((p) => zerosLike(p.value));
    params.forEach(({ value, grad }, k) => {
      if (!grad) return;
      backend.momentumUpdate({
        value,
        grad,
        velocity: this.#velocities[k]!,
        learningRate: this.learningRate,
        momentum: this.momentum,
        nesterov: this.nesterov,
      });
    });
    this.iterations++;
  }

  countVariables(): number {
    if (this.iterations === 0) return 0;
    return 2 + this.#velocities.reduce((s, a) => s + a.length, 0);
  }
}

export interface RMSpropOptions {
  learningRate?: number;
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

export class RMSprop implements Optimizer {
  readonly config;
  readonly learningRate: number;
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  iterations = 0;
  // Per parameter, created on the first step: the mean square always, the momentum buffer when
  // momentum > 0, the mean gradient when centered (Keras's velocities, momentums, average_gradients).
  #meanSquares: FloatArray[] = [];
  #velocities: FloatArray[] = [];
  #meanGradients: FloatArray[] = [];

  constructor(options: RMSpropOptions = {}) {
    const d = KERAS_DEFAULTS.rmsprop;
    this.learningRate = options.learningRate ?? d.learningRate;
    this.rho = options.rho ?? d.rho;
    this.momentum = options.momentum ?? d.momentum;
    this.epsilon = options.epsilon ?? d.epsilon;
    this.centered = options.centered ?? d.centered;
    checkPositive('RMSprop learningRate', this.learningRate);
    checkUnitInterval('RMSprop rho', this.rho);
    checkUnitInterval('RMSprop momentum', this.momentum);
    this.config = {
      type: 'rmsprop' as const,
      learningRate: this.learningRate,
      rho: this.rho,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: String(this.centered),
    };
  }

  applyGradients(params: readonly Parameter[], backend: Backend = HOST): void {
    if (this.#meanSquares.length === 0) {
      this.#meanSquares = params.map((p) => zerosLike(p.value));
      if (this.momentum > 0) this.#velocities = params.map((p) => zerosLike(p.value));
      if (this.centered) this.#meanGradients = params.map((p) => zerosLike(p.value));
    }
    params.forEach(({ value, grad }, k) => {
      if (!grad) return;
      backend.rmspropUpdate({
        value,
        grad,
        meanSquare: this.#meanSquares[k]!,
        meanGradient: this.centered ? this.#meanGradients[k]! : null,
        velocity: this.momentum > 0 ? this.#velocities[k]! : null,
        learningRate: this.learningRate,
        rho: this.rho,
        momentum: this.momentum,
        epsilon: this.epsilon,
      });
    });
    this.iterations++;
  }

  countVariables(): number {
    if (this.iterations === 0) return 0;
    const size = (arrays: FloatArray[]) => arrays.reduce((s, a) => s + a.length, 0);
    return 2 + size(this.#meanSquares) + size(this.#velocities) + size(this.#meanGradients);
  }
}

/** A zeroed array of the weight's element type (float32 training keeps float32 state, as Keras). */
function zerosLike(value: FloatArray): FloatArray {
  return new (value.constructor as Float32ArrayConstructor)(value.length);
}

export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam implements Optimizer {
  readonly config;
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  iterations = 0;
  // First and second moments, one array per parameter, created on the first step (Keras's build).
  #m: FloatArray[] = [];
  #v: FloatArray[] = [];

  constructor(options: AdamOptions = {}) {
    const d = KERAS_DEFAULTS.adam;
    this.learningRate = options.learningRate ?? d.learningRate;
    this.beta1 = options.beta1 ?? d.beta1;
    this.beta2 = options.beta2 ?? d.beta2;
    this.epsilon = options.epsilon ?? d.epsilon;
    checkPositive('Adam learningRate', this.learningRate);
    for (const [name, b] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(b >= 0 && b < 1))
        throw new InvalidArgumentError(`Adam ${name} must be in [0, 1), got ${b}.`);
    }
    this.config = {
      type: 'adam' as const,
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
  }

  applyGradients(params: readonly Parameter[], backend: Backend = HOST): void {
    if (this.#m.length === 0) {
      for (const p of params) {
        // Same element type as the weight: float32 training keeps float32 moments, as Keras;
        // where the backend keeps them itself (Backend.adamState), its arrays.
        const [m, v] = backend.adamState?.(p.value) ?? [
          new (p.value.constructor as Float32ArrayConstructor)(p.value.length),
          new (p.value.constructor as Float32ArrayConstructor)(p.value.length),
        ];
        this.#m.push(m);
        this.#v.push(v);
      }
    }
    const t = this.iterations + 1;
    const alpha = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    for (let k = 0; k < params.length; k++) {
      const { value, grad } = params[k]!;
      if (!grad) continue;
      backend.adamUpdate({
        value,
        grad,
        m: this.#m[k]!,
        v: this.#v[k]!,
        alpha,
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
      });
    }
    this.iterations = t;
  }

  countVariables(): number {
    if (this.#m.length === 0) return 0;
    return 2 * this.#m.reduce((s, a) => s + a.length, 0) + 2;
  }
}

/** Builds the optimizer a spec describes, with Keras's defaults for what it leaves out. */
export function createOptimizer(spec: OptimizerSpec): Optimizer {
  switch (spec.type) {
    case 'sgd':
      return new SGD(spec.learningRate, spec);
    case 'adam':
      return new Adam(spec);
    case 'rmsprop':
      return new RMSprop(spec);
    default:
      throw new InvalidArgumentError(
        `Unknown optimizer type '${(spec as { type: string }).type}'; use 'sgd', 'adam' or 'rmsprop'.`,
      );
  }
}

function checkUnitInterval(what: string, x: number): void {
  if (!(x >= 0 && x < 1)) throw new InvalidArgumentError(`${what} must be in [0, 1), got ${x}.`);
}

function checkPositive(what: string, x: number): void {
  if (!(x > 0 && Number.isFinite(x))) {
    throw new InvalidArgumentError(`${what} must be a positive number, got ${x}.`);
  }
}
