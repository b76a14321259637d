import type { OptimizerSpec } from '@fmnist/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Keras 3's Adam defaults (keras/src/optimizers/adam.py: learning_rate=0.001, beta_1=0.9,
 * beta_2=0.999, epsilon=1e-7), written here from Keras's source rather than taken from the
 * custom engine, so that a wrong constant there cannot hide by being shared.
 */
export const KERAS3_ADAM = {
  learningRate: 0.001,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
} as const;

/**
 * Keras 3's SGD and RMSprop defaults (keras/src/optimizers/sgd.py: momentum=0.0, nesterov=False;
 * rmsprop.py: learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False), from
 * Keras's source as KERAS3_ADAM is.
 */
export const KERAS3_SGD = { momentum: 0, nesterov: false } as const;
export const KERAS3_RMSPROP = {
  learningRate: 0.001,
  rho: 0.9,
  momentum: 0,
  epsilon: 1e-7,
  centered: false,
} as const;

/** Which Adam update the reference applies (see README.md, "Where TF.js differs"). */
export type AdamFlavour = 'keras3' | 'tfjs';

/** Updates variables in place from their gradients (same order as `variables`). */
export interface ReferenceOptimizer {
  readonly description: string;
  apply(variables: tf.Variable[], gradients: tf.Tensor[]): void;
  dispose(): void;
}

/**
 * The reference's optimizer for a spec. SGD is tfjs's own (`w -= lr * g`, as Keras). Adam is,
 * by default, Keras 3's update written in tfjs ops, because tfjs's `tf.train.adam` places
 * epsilon differently (below); `adam: 'tfjs'` runs tfjs's own for comparison.
 */
export function createReferenceOptimizer(
  spec: OptimizerSpec,
  adam: AdamFlavour = 'keras3',
): ReferenceOptimizer {
  if (spec.type === 'sgd') {
    const momentum = spec.momentum ?? KERAS3_SGD.momentum;
    const nesterov = spec.nesterov ?? KERAS3_SGD.nesterov;
    if (momentum === 0) {
      return new TfjsOptimizer(tf.train.sgd(spec.learningRate), `sgd(lr=${spec.learningRate})`);
    }
    // tfjs's MomentumOptimizer keeps a = μ·a + g and steps −lr·a (Nesterov: −lr·(g + μ·a)):
    // Keras's v = μ·v − lr·g is −lr·a, so with a constant lr the two take the same steps.
    return new TfjsOptimizer(
      tf.train.momentum(spec.learningRate, momentum, nesterov),
      `tfjs momentum(lr=${spec.learningRate}, momentum=${momentum}, nesterov=${nesterov})`,
    );
  }
  if (spec.type === 'rmsprop') {
    const r = KERAS3_RMSPROP;
    const settings = {
      learningRate: spec.learningRate ?? r.learningRate,
      rho: spec.rho ?? r.rho,
      momentum: spec.momentum ?? r.momentum,
      epsilon: spec.epsilon ?? r.epsilon,
      centered: spec.centered ?? r.centered,
    };
    return new Keras3RMSprop(
      settings,
      `keras3 rmsprop(lr=${settings.learningRate}, rho=${settings.rho}, momentum=${settings.momentum}, epsilon=${settings.epsilon}, centered=${settings.centered})`,
    );
  }
  const d = KERAS3_ADAM;
  const settings = {
    learningRate: spec.learningRate ?? d.learningRate,
    beta1: spec.beta1 ?? d.beta1,
    beta2: spec.beta2 ?? d.beta2,
    epsilon: spec.epsilon ?? d.epsilon,
  };
  const text = `lr=${settings.learningRate}, beta1=${settings.beta1}, beta2=${settings.beta2}, epsilon=${settings.epsilon}`;
  if (adam === 'tfjs') {
    return new TfjsOptimizer(
      tf.train.adam(settings.learningRate, settings.beta1, settings.beta2, settings.epsilon),
      `tfjs adam(${text})`,
    );
  }
  return new Keras3Adam(settings, `keras3 adam(${text})`);
}

class TfjsOptimizer implements ReferenceOptimizer {
  constructor(
    private readonly optimizer: tf.Optimizer,
    readonly description: string,
  ) {}

  apply(variables: tf.Variable[], gradients: tf.Tensor[]): void {
    this.optimizer.applyGradients(
      variables.map((variable, i) => ({ name: variable.name, tensor: gradients[i] as tf.Tensor })),
    );
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/**
 * Keras 3's Adam (keras/src/optimizers/adam.py), step t = 1, 2, ...:
 *
 *   alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
 *   m += (g - m) * (1 - beta1)
 *   v += (g² - v) * (1 - beta2)
 *   w -= alpha * m / (sqrt(v) + epsilon)
 *
 * tfjs's AdamOptimizer instead computes m̂ = m / (1 - beta1^t), v̂ = v / (1 - beta2^t) and
 * w -= lr * m̂ / (sqrt(v̂) + epsilon): the same except that its epsilon is added to the
 * bias-corrected sqrt(v̂). Keras's is equivalent to tfjs's with epsilon / sqrt(1 - beta2^t),
 * about 32x larger at t = 1; it matters only where |g| is near epsilon.
 */
class Keras3Adam implements ReferenceOptimizer {
  private step = 0;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(
    readonly settings: {
      learningRate: number;
      beta1: number;
      beta2: number;
      epsilon: number;
    },
    readonly description: string,
  ) {}

  apply(variables: tf.Variable[], gradients: tf.Tensor[]): void {
    this.step += 1;
    const { learningRate, beta1, beta2, epsilon } = this.settings;
    // Keras computes alpha in the variables' dtype; Math.fround keeps it a float32 scalar too.
    const alpha = Math.fround(
      (learningRate * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step),
    );
    tf.tidy(() => {
      variables.forEach((variable, i) => {
        const g = gradients[i] as tf.Tensor;
        let state = this.moments.get(variable.name);
        if (!state) {
          state = {
            m: tf.variable(tf.zerosLike(variable), false),
            v: tf.variable(tf.zerosLike(variable), false),
          };
          this.moments.set(variable.name, state);
        }
        const { m, v } = state;
        m.assign(tf.add(m, tf.mul(tf.sub(g, m), 1 - beta1)));
        v.assign(tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - beta2)));
        variable.assign(tf.sub(variable, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), epsilon))));
      });
    });
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }
}

/**
 * Keras 3's RMSprop (keras/src/optimizers/rmsprop.py), written in tfjs ops:
 *
 *   s = rho * s + (1 - rho) * g²
 *   centered: gbar = rho * gbar + (1 - rho) * g;  d = s - gbar² + epsilon;  else d = s + epsilon
 *   increment = lr * g / sqrt(d)
 *   momentum > 0: m = momentum * m + increment;  w -= m;   else w -= increment
 *
 * tfjs's own `tf.train.rmsprop` agrees except when centered: it takes sqrt(s − (gbar² + epsilon)),
 * epsilon subtracted rather than added (docs/study.md), so the reference keeps Keras's rule itself.
 */
class Keras3RMSprop implements ReferenceOptimizer {
  private readonly state = new Map<
    string,
    { s: tf.Variable; gbar?: tf.Variable; m?: tf.Variable }
  >();

  constructor(
    readonly settings: {
      learningRate: number;
      rho: number;
      momentum: number;
      epsilon: number;
      centered: boolean;
    },
    readonly description: string,
  ) {}

  apply(variables: tf.Variable[], gradients: tf.Tensor[]): void {
    const { learningRate, rho, momentum, epsilon, centered } = this.settings;
    tf.tidy(() => {
      variables.forEach((variable, i) => {
        const g = gradients[i] as tf.Tensor;
        let state = this.state.get(variable.name);
        if (!state) {
          const zeros = () => tf.variable(tf.zerosLike(variable), false);
          state = {
            s: zeros(),
            ...(centered ? { gbar: zeros() } : {}),
            ...(momentum > 0 ? { m: zeros() } : {}),
          };
          this.state.set(variable.name, state);
        }
        state.s.assign(tf.add(tf.mul(state.s, rho), tf.mul(tf.square(g), 1 - rho)));
        let denominator: tf.Tensor = tf.add(state.s, epsilon);
        if (state.gbar) {
          state.gbar.assign(tf.add(tf.mul(state.gbar, rho), tf.mul(g, 1 - rho)));
          denominator = tf.add(tf.sub(state.s, tf.square(state.gbar)), epsilon);
        }
        const increment = tf.div(tf.mul(g, learningRate), tf.sqrt(denominator));
        if (state.m) {
          state.m.assign(tf.add(tf.mul(state.m, momentum), increment));
          variable.assign(tf.sub(variable, state.m));
        } else {
          variable.assign(tf.sub(variable, increment));
        }
      });
    });
  }

  dispose(): void {
    for (const { s, gbar, m } of this.state.values()) {
      s.dispose();
      gbar?.dispose();
      m?.dispose();
    }
    this.state.clear();
  }
}
