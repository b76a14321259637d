/**
 * The study's models on gpujs:gl (device-resident: the whole step a chain of gpu.js kernels on
 * float32 textures) against the js reference, step by step: from the same weights, the same
 * batch and the same dropout mask, forward outputs, the loss, every gradient, the weights after
 * an SGD or Adam step and BatchNormalization's moving statistics agree within the tolerances
 * below; then whole fits (shuffled batches, a short last batch, validation) agree too.
 * Needs a GL context (CI: xvfb-run); elsewhere skipped with the reason in the name.
 */
import { type Backend, JsBackend } from '@fmnist/core';
import { GpuJsGlBackend, glModeAvailability } from '@fmnist/core/gpujs';
import { afterAll, describe, expect, it } from 'vitest';
import { denseStack, type ModelSpec, type OptimizerSpec, Sequential } from '../src/index.js';

const gl = glModeAvailability('headlessgl');

/** The study's architectures (packages/study/src/models.ts), on 14x28 halves. */
const MODELS: { name: string; spec: ModelSpec; optimizer: OptimizerSpec }[] = [
  {
    name: 'part1 (SGD 1e-4)',
    spec: denseStack('part1', [14, 28], [128, 64]),
    optimizer: { type: 'sgd', learningRate: 1e-4 },
  },
  {
    name: 'base (Adam)',
    spec: denseStack('base', [14, 28], [128, 64, 32]),
    optimizer: { type: 'adam' },
  },
  {
    name: 'batch-norm (Adam)',
    spec: denseStack('bn', [14, 28], [128, 64, 32], { batchNormalization: true }),
    optimizer: { type: 'adam' },
  },
  {
    name: 'dropout 0.5 (Adam)',
    spec: denseStack('dropout', [14, 28], [128, 64, 32], { dropout: 0.5 }),
    optimizer: { type: 'adam' },
  },
  {
    name: 'odd shapes: 7 inputs, 17 and 3 units, batch norm and dropout (SGD 0.1)',
    spec: denseStack('odd', [7], [17, 3], { batchNormalization: true, dropout: 0.3 }),
    optimizer: { type: 'sgd', learningRate: 0.1 },
  },
];

/** Pixel-like inputs in [0, 1] and labels, from a fixed recipe. */
function data(samples: number, inSize: number, seed: number) {
  const x = Float32Array.from(
    { length: samples * inSize },
    (_, i) => ((i * 7919 + seed * 104729) % 256) / 255,
  );
  const y = Int32Array.from({ length: samples }, (_, i) => (i * 7 + seed) % 10);
  return { x, y };
}

/**
 * |got − want| ≤ tol · (max |want| over the array) + 1e-7: float32 kernels summing up to 392
 * products in another order than js (which accumulates in float64) differ by a few parts in
 * 10^6 of the array's scale; `tol` 1e-4 leaves room for the chain of layers before.
 */
function expectNear(
  what: string,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol = 1e-4,
  absolute = 1e-7,
) {
  expect(got.length, `${what}: length`).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol * scale + absolute)) {
      expect.fail(`${what}[${i}]: gpujs:gl ${got[i]}, js ${want[i]} (scale ${scale})`);
    }
  }
}

function build(spec: ModelSpec, optimizer: OptimizerSpec, backend: Backend, seed = 7): Sequential {
  const model = new Sequential(spec, { seed, backend });
  model.compile({ optimizer });
  return model;
}

if (!gl.available) {
  describe('gpujs:gl', () => {
    it.skip(`gpujs:gl: unavailable (${gl.reason})`, () => {});
  });
} else {
  describe('the study models on gpujs:gl equal the js reference, step by step', () => {
    const backend = new GpuJsGlBackend({ mode: 'headlessgl' });
    afterAll(() => backend.dispose());

    for (const { name, spec, optimizer } of MODELS) {
      it(`${name}: outputs, loss, gradients, the step's weights and moving statistics`, () => {
        const inSize = spec.inputShape.reduce((a, b) => a * b, 1);
        const js = build(spec, optimizer, new JsBackend());
        const dev = build(spec, optimizer, backend);
        // The optimizer's reference: js loops fed the device's own gradients, so its Adam
        // moments follow the device's. (Fed js's gradients instead, Adam, whose step is about lr
        // whatever a gradient's size, would turn an entry that is mostly rounding, near zero,
        // into a different lr-sized step: that compares float32 rounding, not the update.)
        const mirror = build(spec, optimizer, new JsBackend());
        // Three steps: each from the js model's weights (so a step's own error is what is
        // measured), one of them a short batch of 5; dropout draws the same mask in both
        // (the same seeded stream, on the host).
        for (const [step, batch] of [
          [1, 32],
          [2, 5],
          [3, 32],
        ] as const) {
          const before = js.getWeights();
          dev.setWeights(before);
          mirror.setWeights(before);
          const { x, y } = data(batch, inSize, step);
          const want = js.step(x, y, { apply: false, taps: true }).taps!;
          const got = dev.step(x, y, { apply: false, taps: true }).taps!;
          const at = `step ${step} (batch ${batch})`;
          expect(Math.abs(got.loss - want.loss), `${at} loss`).toBeLessThan(
            1e-5 * want.loss + 1e-7,
          );
          want.outputs.forEach((o, i) => {
            expectNear(`${at} output of ${js.layers[i]!.name}`, got.outputs[i]!, o);
          });
          want.gradOutputs.forEach((g, i) => {
            expectNear(`${at} dL/dy of ${js.layers[i]!.name}`, got.gradOutputs[i]!, g);
          });
          want.gradInputs.forEach((g, i) => {
            expectNear(`${at} dL/dx of ${js.layers[i]!.name}`, got.gradInputs[i]!, g);
          });
          const wantGrads = js.getGradients();
          dev.getGradients().forEach((g, i) => {
            expectNear(`${at} gradient of ${js.trainableWeights[i]!.name}`, g, wantGrads[i]!);
          });
          const devGrads = dev.getGradients();
          for (const [k, w] of mirror.trainableWeights.entries()) w.grad!.set(devGrads[k]!);
          js.applyGradients();
          dev.applyGradients();
          mirror.applyGradients();
          // Trainable weights after the step: the device's update of its own gradients, as the
          // js loops make it; BatchNormalization's moving statistics (updated by the forward
          // pass): as js's.
          const wantTrainable = mirror.getWeights();
          const wantMoving = js.getWeights();
          dev.getWeights().forEach((w, k) => {
            const weight = js.weights[k]!;
            const want = weight.trainable ? wantTrainable[k]! : wantMoving[k]!;
            expectNear(`${at} ${weight.name}`, w, want, 1e-5);
          });
        }
      });
    }

    it('whole fits agree: shuffled batches, a short last batch, validation, every epoch', async () => {
      for (const { name, spec, optimizer } of MODELS.slice(1)) {
        const inSize = spec.inputShape.reduce((a, b) => a * b, 1);
        const { x, y } = data(70, inSize, 11);
        const val = data(40, inSize, 12);
        const run = async (b: Backend) => {
          const model = build(spec, optimizer, b, 3);
          const history = await model.fit(x, y, {
            epochs: 3,
            batchSize: 32,
            validationData: [val.x, val.y],
          });
          return { history: history.history, weights: model.getWeights(), model };
        };
        const want = await run(new JsBackend());
        const got = await run(backend);
        for (const key of ['loss', 'val_loss'] as const) {
          expectNear(`${name} ${key}`, got.history[key]!, want.history[key]!, 1e-4);
        }
        // Accuracy counts whole samples: a probability tie broken differently moves one.
        for (const key of ['accuracy', 'val_accuracy'] as const) {
          got.history[key]!.forEach((a, i) => {
            expect(Math.abs(a - want.history[key]![i]!), `${name} ${key}`).toBeLessThanOrEqual(
              1 / 40 + 1e-9,
            );
          });
        }
        // Nine steps of Adam: a near-zero gradient's float32 difference can move a weight
        // by up to a step; the weights agree within 1e-3 of their scale.
        got.weights.forEach((w, i) => {
          expectNear(`${name} ${got.model.weights[i]!.name} after fit`, w, want.weights[i]!, 1e-3);
        });
        expect(got.model.evaluate(val.x, val.y).loss).toBeCloseTo(
          want.model.evaluate(val.x, val.y).loss,
          4,
        );
      }
    });

    it('a long run keeps the texture count flat: the same live textures after 300 more steps', () => {
      const { spec, optimizer } = MODELS[2]!;
      const model = build(spec, optimizer, backend, 5);
      const { x, y } = data(64, 392, 4);
      const xa = x.subarray(0, 32 * 392);
      const ya = y.subarray(0, 32);
      for (let i = 0; i < 3; i++) model.trainOnBatch(xa, ya);
      const live = backend.liveTextures;
      for (let i = 0; i < 300; i++) model.trainOnBatch(xa, ya);
      expect(backend.liveTextures).toBe(live);
      expect(backend.counters.hostFallbacks).toBe(0);
    });
  });
}
