import { type AdamUpdateArgs, type FloatArray, JsBackend } from '@fmnist/core';
import { describe, expect, it } from 'vitest';
import { Adam, createOptimizer, SGD } from '../src/optimizers.js';

const param = (w: number[], g: number[]) => ({
  value: Float64Array.from(w),
  grad: Float64Array.from(g),
});

describe('SGD', () => {
  it('takes w -= lr * g', () => {
    const p = param([1, -2, 0.5], [0.5, -1, 0]);
    new SGD(0.1).applyGradients([p]);
    expect(Array.from(p.value)).toEqual([1 - 0.05, -2 + 0.1, 0.5]);
  });
});

describe('Adam (Keras 3 form)', () => {
  it('matches two steps computed by hand', () => {
    // w = 1, lr = 1e-3, β1 = 0.9, β2 = 0.999, ε = 1e-7.
    // Step 1, g = 0.5:
    //   m = 0 + (0.5 − 0)·0.1 = 0.05          v = 0 + (0.25 − 0)·0.001 = 0.00025
    //   α = 1e-3·sqrt(1 − 0.999)/(1 − 0.9) = 1e-3·0.0316227766/0.1 = 3.16227766e-4
    //   w = 1 − α·0.05/(sqrt(0.00025) + 1e-7) = 1 − 1.58113883e-5/0.0158114883 = 0.9990000063245154
    // Step 2, g = −0.25:
    //   m = 0.05 + (−0.25 − 0.05)·0.1 = 0.02   v = 0.00025 + (0.0625 − 0.00025)·0.001 = 0.00031225
    //   α = 1e-3·sqrt(1 − 0.999²)/(1 − 0.9²) = 1e-3·0.0447101778/0.19
    //   w = 0.9990000063245154 − α·0.02/(sqrt(0.00031225) + 1e-7) = 0.9987336707920792
    const p = param([1], [0.5]);
    const adam = new Adam();
    adam.applyGradients([p]);
    expect(p.value[0]).toBeCloseTo(0.9990000063245154, 14);
    p.grad[0] = -0.25;
    adam.applyGradients([p]);
    expect(p.value[0]).toBeCloseTo(0.9987336707920792, 14);
    expect(adam.iterations).toBe(2);
  });

  it('moves each weight by about lr on the first step, whatever the gradient scale', () => {
    const p = param([0, 0], [1e-3, -50]);
    new Adam({ learningRate: 0.01 }).applyGradients([p]);
    expect(p.value[0]).toBeCloseTo(-0.01, 4);
    expect(p.value[1]).toBeCloseTo(0.01, 6);
  });

  it('uses the Keras defaults and counts m and v as optimizer variables', () => {
    const adam = createOptimizer({ type: 'adam' }) as Adam;
    expect([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon]).toEqual([
      1e-3, 0.9, 0.999, 1e-7,
    ]);
    expect(adam.countVariables()).toBe(0);
    adam.applyGradients([param([1, 2, 3], [0, 0, 0])]);
    expect(adam.countVariables()).toBe(2 * 3 + 2);
  });

  it('keeps m and v where the backend gives them (Backend.adamState), with the same steps', () => {
    /** The js backend, handing out its own state arrays and noting which ones an update gets. */
    class StateBackend extends JsBackend {
      readonly given: FloatArray[] = [];
      readonly used = new Set<FloatArray>();
      adamState(value: FloatArray): [FloatArray, FloatArray] {
        const pair: [FloatArray, FloatArray] = [
          new Float64Array(value.length),
          new Float64Array(value.length),
        ];
        this.given.push(...pair);
        return pair;
      }
      override adamUpdate(args: AdamUpdateArgs): void {
        this.used.add(args.m).add(args.v);
        super.adamUpdate(args);
      }
    }
    const backend = new StateBackend();
    const [a, b] = [param([1, -2], [0.5, 0.25]), param([1, -2], [0.5, 0.25])];
    const [withState, plain] = [new Adam(), new Adam()];
    for (let step = 0; step < 3; step++) {
      withState.applyGradients([a], backend);
      plain.applyGradients([b], new JsBackend());
    }
    expect(Array.from(a.value)).toEqual(Array.from(b.value));
    expect(backend.given).toHaveLength(2);
    expect([...backend.used]).toEqual(backend.given);
    // and the moments are in them
    expect(backend.given[0]![0]).not.toBe(0);
  });

  it('rejects a non-positive learning rate with a message saying what to pass', () => {
    expect(() => new SGD(0)).toThrow(/positive number/);
    expect(() => createOptimizer({ type: 'adam', learningRate: -1 })).toThrow(/positive number/);
  });
});
