/**
 * Dropout, property-based. Rate 0 is the identity in both engines (training and inference).
 * With a rate, the engines draw masks from different RNGs, so instead of comparing masks this
 * checks the custom engine's own masks statistically (fraction dropped ≈ rate; kept units are
 * x / (1 − rate) exactly) and that inference is the identity in both. Shared masks, which make
 * the engines comparable number for number, are covered in crosscheck.prop.test.ts.
 */
import { type ModelSpec, Sequential } from '@fmnist/nn';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TfReference, TOLERANCES } from '../src/index.js';
import {
  batchArb,
  enginePair,
  expectClose,
  familyArb,
  makeBatch,
  RUNS,
  toSpec,
} from './helpers.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** The same model with every Dropout layer removed. */
function withoutDropout(spec: ModelSpec): ModelSpec {
  return { ...spec, layers: spec.layers.filter((l) => l.type !== 'dropout') };
}

describe('Dropout, property-based', () => {
  it('rate 0 changes nothing: each engine equals itself without the layer, and they agree', async () => {
    await fc.assert(
      fc.asyncProperty(
        familyArb({ dropout: false }),
        seedArb,
        batchArb(),
        async (model, seed, choice) => {
          const plain = toSpec(model);
          // A rate-0 Dropout after every hidden layer.
          const zero: ModelSpec = {
            ...plain,
            layers: plain.layers.flatMap((l, i) =>
              l.type === 'dense' && i < plain.layers.length - 1
                ? [l, { type: 'dropout', rate: 0 }]
                : [l],
            ),
          };
          const withZero = await enginePair(zero, seed, { type: 'sgd', learningRate: 0.01 });
          const withNone = await enginePair(plain, seed, { type: 'sgd', learningRate: 0.01 });
          try {
            withNone.custom.setWeights(withZero.custom.getWeights());
            withNone.tf.setWeights(withZero.custom.getWeights());
            const { x } = await makeBatch(plain, choice);
            for (const training of [true, false]) {
              const custom = withZero.custom.forward(x, { training }).slice();
              expect(Array.from(custom)).toEqual(
                Array.from(withNone.custom.forward(x, { training })),
              );
              const tf = withZero.tf.forward(x, { training }).output;
              expect(Array.from(tf)).toEqual(
                Array.from(withNone.tf.forward(x, { training }).output),
              );
              expectClose('rate-0 output', 'activations', custom, tf, TOLERANCES.activations);
            }
          } finally {
            withZero.dispose();
            withNone.dispose();
          }
        },
      ),
      { numRuns: Math.max(2, Math.round(RUNS / 2)) },
    );
  });

  it('with a rate, the custom engine drops a fraction ≈ rate, scales kept units by 1/(1 − rate), and is the identity in inference', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.05, max: 0.9, noNaN: true }),
        seedArb,
        fc.integer({ min: 8, max: 32 }),
        async (rate, seed, batch) => {
          const units = 392;
          const spec: ModelSpec = {
            name: 'dropout-only',
            inputShape: [14, 28],
            layers: [{ type: 'flatten' }, { type: 'dropout', rate }],
          };
          const custom = new Sequential(spec, { seed });
          try {
            // Strictly positive inputs, so a zero in the output can only be a dropped unit.
            const x = Float32Array.from(
              { length: batch * units },
              (_, i) => 0.25 + ((i * 7919) % 101) / 100,
            );
            const y = custom.forward(x, { training: true });
            let dropped = 0;
            for (let i = 0; i < y.length; i++) {
              if (y[i] === 0) dropped++;
              // The float32 result of x * (1 / (1 − rate)), as the engine computes it.
              else expect(y[i]).toBeCloseTo((x[i] as number) / (1 - rate), 5);
            }
            const n = y.length;
            // Binomial: n ≥ 3,136 draws, so 0.05 is at least 5 standard deviations.
            expect(Math.abs(dropped / n - rate)).toBeLessThan(TOLERANCES.dropoutFraction);
            expect(Array.from(custom.forward(x, { training: false }))).toEqual(Array.from(x));

            const tf = await TfReference.create(spec, {
              optimizer: { type: 'sgd', learningRate: 0.1 },
            });
            try {
              expect(Array.from(tf.forward(x, { training: false }).output)).toEqual(Array.from(x));
            } finally {
              tf.dispose();
            }
          } finally {
            custom.dispose();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a model with Dropout agrees across engines in inference mode, whatever the masks would be', async () => {
    await fc.assert(
      fc.asyncProperty(
        familyArb({ dropout: true }),
        seedArb,
        batchArb(),
        async (model, seed, choice) => {
          const spec = toSpec(model);
          const pair = await enginePair(spec, seed, { type: 'adam' });
          try {
            const { x } = await makeBatch(spec, choice);
            const custom = pair.custom.predict(x);
            const tf = pair.tf.predict(x);
            expectClose('inference output', 'activations', custom, tf, TOLERANCES.activations);
            // And the same as the model without its Dropout layers.
            const plain = await TfReference.create(withoutDropout(spec), {
              optimizer: { type: 'adam' },
            });
            try {
              plain.setWeights(pair.custom.getWeights());
              expect(Array.from(plain.predict(x))).toEqual(Array.from(tf));
            } finally {
              plain.dispose();
            }
          } finally {
            pair.dispose();
          }
        },
      ),
      { numRuns: Math.max(2, Math.round(RUNS / 2)) },
    );
  });
});
