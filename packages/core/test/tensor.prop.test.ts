import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsBackend } from '../src/js-backend.js';
import { ShapeError, Tensor, TensorOps } from '../src/tensor.js';
import { randomArray } from './helpers.js';

const ops = new TensorOps(new JsBackend());

describe('Tensor', () => {
  it('rows() is a view into the same storage, not a copy (mini-batches)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        fc.nat(),
        (n, width, s, e) => {
          const t = new Tensor([n, width], randomArray(n * width, s));
          const start = s % n;
          const end = start + (e % (n - start + 1));
          const batch = t.rows(start, end);
          expect(batch.shape).toEqual([end - start, width]);
          expect(batch.data.buffer).toBe(t.data.buffer);
          if (end > start) {
            batch.data[0] = 123;
            expect(t.data[start * width]).toBe(123);
          }
        },
      ),
    );
  });

  it('rows() of a 3-D tensor keeps the trailing dimensions', () => {
    const t = Tensor.from(
      [4, 2, 3],
      Array.from({ length: 24 }, (_, i) => i),
    );
    const b = t.rows(1, 3);
    expect(b.shape).toEqual([2, 2, 3]);
    expect(b.get(0, 0, 0)).toBe(6);
    expect(b.reshape([2, 6]).get(1, 5)).toBe(17);
  });

  it('rejects a wrong size, bad slices and bad reshapes with ShapeError', () => {
    expect(() => new Tensor([2, 3], new Float32Array(5))).toThrow(ShapeError);
    const t = Tensor.zeros([4, 2]);
    expect(() => t.rows(3, 5)).toThrow(/past the end/);
    expect(() => t.rows(2, 1)).toThrow(ShapeError);
    expect(() => t.reshape([3, 3])).toThrow(/sizes differ/);
    expect(() => t.get(4, 0)).toThrow(/outside/);
  });
});

describe('TensorOps', () => {
  it('matmul checks the inner size in each form and writes into out', () => {
    const a = new Tensor([2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]));
    const b = new Tensor([3, 2], Float32Array.from([1, -1, 0, 2, -2, 0.5]));
    const out = Tensor.zeros([2, 2]);
    expect(ops.matmul(a, b, {}, out)).toBe(out);
    expect(out.toArray()).toEqual([-5, 4.5, -8, 9]);
    expect(ops.matmul(a, a, { transposeB: true }).shape).toEqual([2, 2]);
    expect(ops.matmul(a, a, { transposeA: true }).shape).toEqual([3, 3]);
    expect(() => ops.matmul(a, a)).toThrow(/inner sizes differ/);
    expect(() => ops.matmul(a, b, {}, Tensor.zeros([2, 3]))).toThrow(/out has shape/);
    expect(() => ops.matmul(a, b, { bias: Tensor.zeros([3]) })).toThrow(/bias/);
  });

  it('matmul with bias and ReLU equals matmul, then add bias, then relu', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.nat(),
        (m, n, s) => {
          const k = 5;
          const a = new Tensor([m, k], randomArray(m * k, s));
          const b = new Tensor([k, n], randomArray(k * n, s + 1));
          const bias = new Tensor([n], randomArray(n, s + 2));
          const fused = ops.matmul(a, b, { bias, relu: true });
          const plain = ops.matmul(a, b);
          const ones = new Tensor([m, 1], new Float32Array(m).fill(1));
          const biasRows = ops.matmul(ones, bias.reshape([1, n]));
          const manual = ops.relu(ops.add(plain, biasRows));
          for (let i = 0; i < m * n; i++) expect(fused.data[i]).toBeCloseTo(manual.data[i]!, 5);
        },
      ),
    );
  });

  it('sum and mean along each axis, argmax, softmax rows', () => {
    const x = Tensor.from([2, 3], [1, 2, 3, 4, 5, 9]);
    expect(ops.sum(x, 0).toArray()).toEqual([5, 7, 12]);
    expect(ops.sum(x, 1).toArray()).toEqual([6, 18]);
    expect(ops.mean(x, 0).toArray()).toEqual([2.5, 3.5, 6]);
    expect(ops.mean(x, 1).toArray()).toEqual([2, 6]);
    expect(Array.from(ops.argmaxRows(x))).toEqual([2, 2]);
    const p = ops.softmaxRows(x);
    expect(p.data[0]! + p.data[1]! + p.data[2]!).toBeCloseTo(1, 6);
    const lp = ops.logSoftmaxRows(x);
    expect(Math.exp(lp.data[5]!)).toBeCloseTo(p.data[5]!, 6);
  });

  it('elementwise ops check shapes; axpy updates in place', () => {
    const x = Tensor.from([3], [1, -2, 3]);
    const y = Tensor.from([3], [1, 1, 1]);
    expect(ops.mul(x, y).toArray()).toEqual([1, -2, 3]);
    expect(ops.scale(x, 2).toArray()).toEqual([2, -4, 6]);
    expect(ops.axpy(2, x, y)).toBe(y);
    expect(y.toArray()).toEqual([3, -3, 7]);
    expect(ops.reluBackward(y, x).toArray()).toEqual([3, 0, 7]);
    expect(() => ops.add(x, Tensor.zeros([4]))).toThrow(/shapes \[3\] and \[4\] differ/);
  });
});
