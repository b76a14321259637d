/**
 * The experiment file's shape, written once with zod: the loader validates with it, and the
 * JSON Schema shipped in `experiments/experiment.schema.json` (editors complete and check a file
 * that names it in `$schema`) is generated from it (`pnpm --filter @fmnist/study schema`; a test
 * fails when the shipped copy is stale). What zod cannot say (a final softmax of 10 units, a
 * model named twice, a reset between different architectures) is checked in load.ts.
 */
import { CROPS } from '@fmnist/data';
import type { LayerSpec, OptimizerSpec } from '@fmnist/nn';
import { z } from 'zod';

/** More units than this in one Dense is a typo, not a network for 28x28 images. */
export const MAX_UNITS = 65_536;
export const MAX_EPOCHS = 1_000;
/** The training split's size: a batch cannot be larger. */
export const MAX_BATCH_SIZE = 50_000;
export const MAX_MODELS = 64;
/** The image side the crops are cut from. */
export const IMAGE_SIDE = 28;

const positive = (what: string) =>
  z.number({ error: `${what} must be a number` }).positive({ error: `${what} must be above 0` });

const dense = z
  .strictObject({
    type: z.literal('dense'),
    units: z
      .int({ error: 'units must be a whole number' })
      .min(1, { error: 'units must be at least 1' })
      .max(MAX_UNITS, { error: `units must be at most ${MAX_UNITS.toLocaleString('en-US')}` }),
    activation: z.enum(['relu', 'sigmoid', 'tanh', 'softmax', 'linear'], {
      error: 'activation must be one of relu, sigmoid, tanh, softmax, linear',
    }),
    useBias: z.boolean().optional(),
    kernelRegularizer: z
      .strictObject({
        l2: z
          .number({ error: 'l2 must be a number' })
          .min(0, { error: 'l2 must be at least 0 and at most 1' })
          .max(1, { error: 'l2 must be at least 0 and at most 1' }),
      })
      .optional()
      .describe("Keras's kernel_regularizer=L2(l2): l2·ΣW² added to the loss."),
  })
  .describe(
    'Keras Dense: units, activation (relu, sigmoid, tanh, softmax, linear), use_bias (default true), kernelRegularizer { l2 }.',
  );

const batchNormalization = z
  .strictObject({
    type: z.literal('batchNormalization'),
    momentum: z
      .number()
      .gt(0, { error: 'momentum must be above 0 and below 1' })
      .lt(1, { error: 'momentum must be above 0 and below 1' })
      .optional(),
    epsilon: positive('epsilon').optional(),
  })
  .describe('Keras BatchNormalization (momentum 0.99, epsilon 1e-3 by default).');

const dropout = z
  .strictObject({
    type: z.literal('dropout'),
    rate: z
      .number({ error: 'rate must be a number' })
      .min(0, { error: 'rate must be at least 0 and below 1' })
      .lt(1, { error: 'rate must be at least 0 and below 1' }),
  })
  .describe('Keras Dropout: zeroes each input with probability rate while training.');

const flatten = z
  .strictObject({ type: z.literal('flatten') })
  .describe('Keras Flatten: only as the first layer; added when left out.');

export const LAYER_TYPES = ['dense', 'batchNormalization', 'dropout', 'flatten'] as const;

const layer = z.discriminatedUnion('type', [dense, batchNormalization, dropout, flatten], {
  error: `a layer's type must be one of ${LAYER_TYPES.join(', ')}`,
});

const unit = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .min(0, { error: `${what} must be at least 0 and below 1` })
    .lt(1, { error: `${what} must be at least 0 and below 1` });

const sgd = z
  .strictObject({
    type: z.literal('sgd'),
    learningRate: positive('learningRate'),
    momentum: unit('momentum').optional(),
    nesterov: z.boolean({ error: 'nesterov must be true or false' }).optional(),
  })
  .describe('Keras SGD: learningRate; momentum (default 0) and nesterov (default false).');
const rmsprop = z
  .strictObject({
    type: z.literal('rmsprop'),
    learningRate: positive('learningRate').optional(),
    rho: unit('rho').optional(),
    momentum: unit('momentum').optional(),
    epsilon: positive('epsilon').optional(),
    centered: z.boolean({ error: 'centered must be true or false' }).optional(),
  })
  .describe(
    'Keras RMSprop (learningRate 0.001, rho 0.9, momentum 0, epsilon 1e-7, centered false).',
  );
const adam = z.strictObject({
  type: z.literal('adam'),
  learningRate: positive('learningRate').optional(),
  beta1: z.number().min(0).lt(1, { error: 'beta1 must be at least 0 and below 1' }).optional(),
  beta2: z.number().min(0).lt(1, { error: 'beta2 must be at least 0 and below 1' }).optional(),
  epsilon: positive('epsilon').optional(),
});
export const OPTIMIZER_TYPES = ['sgd', 'adam', 'rmsprop'] as const;
const optimizer = z.discriminatedUnion('type', [sgd, adam, rmsprop], {
  error: `an optimizer's type must be one of ${OPTIMIZER_TYPES.join(', ')}`,
});

const edge = (what: string) =>
  z
    .int({ error: `${what} must be whole numbers` })
    .min(0, { error: `${what} must lie within 0-${IMAGE_SIDE}` })
    .max(IMAGE_SIDE, { error: `${what} must lie within 0-${IMAGE_SIDE}` });
const range = (what: string) =>
  z
    .tuple([edge(what), edge(what)], { error: `${what} must be [start, end], e.g. [0, 14]` })
    .refine(([a, b]) => a < b, {
      error: `${what} [start, end) is empty: end must be above start`,
    });

const crop = z.union(
  [
    z.enum(CROPS),
    z.strictObject({
      rows: range('rows').describe('[first row, last row + 1], within 0-28'),
      cols: range('cols').describe('[first column, last column + 1], within 0-28'),
    }),
  ],
  {
    error: `crop must be one of ${CROPS.join(', ')} or { "rows": [r0, r1], "cols": [c0, c1] } within 0-${IMAGE_SIDE}`,
  },
);

const modelFields = {
  crop: crop.describe(
    'The part of each image the model sees: full, top (rows 0-13), bottom (rows 14-27), left (columns 0-13), right (columns 14-27), or a window (half-open).',
  ),
  layers: z
    .array(layer)
    .min(1, { error: 'layers must not be empty' })
    .describe('Keras layers in order; the last must be Dense(10, softmax).'),
  optimizer: optimizer.describe(
    'sgd (learningRate, momentum, nesterov), adam or rmsprop (Keras defaults unless given).',
  ),
  epochs: z
    .int({ error: 'epochs must be a whole number' })
    .min(1, { error: `epochs must be within 1-${MAX_EPOCHS}` })
    .max(MAX_EPOCHS, { error: `epochs must be within 1-${MAX_EPOCHS}` }),
  batchSize: z
    .int({ error: 'batchSize must be a whole number' })
    .min(1, { error: `batchSize must be within 1-${MAX_BATCH_SIZE.toLocaleString('en-US')}` })
    .max(MAX_BATCH_SIZE, {
      error: `batchSize must be within 1-${MAX_BATCH_SIZE.toLocaleString('en-US')}`,
    })
    .describe('Default 32.'),
  earlyStopping: z
    .strictObject({
      patience: z
        .int({ error: 'patience must be a whole number' })
        .min(0, { error: `patience must be within 0-${MAX_EPOCHS}` })
        .max(MAX_EPOCHS, { error: `patience must be within 0-${MAX_EPOCHS}` }),
    })
    .describe('Keras EarlyStopping on val_loss with restore_best_weights=True.'),
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const name = (what: string) =>
  z.string({ error: `${what} must be a string` }).regex(NAME, {
    error: `${what} must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit`,
  });

export const modelSchema = z.strictObject({
  name: name('name').describe('Unique within the file; used in reports and file names.'),
  ...Object.fromEntries(Object.entries(modelFields).map(([k, v]) => [k, v.optional()])),
  sameInitialWeightsAs: z
    .string()
    .optional()
    .describe("Another model's name: start from its very initial weights (same architecture)."),
}) as unknown as z.ZodObject<
  {
    name: z.ZodString;
    sameInitialWeightsAs: z.ZodOptional<z.ZodString>;
  } & { [K in keyof typeof modelFields]: z.ZodOptional<(typeof modelFields)[K]> }
>;

export const defaultsSchema = z
  .strictObject(Object.fromEntries(Object.entries(modelFields).map(([k, v]) => [k, v.optional()])))
  .describe('Any model field the models inherit unless they set it.') as unknown as z.ZodObject<{
  [K in keyof typeof modelFields]: z.ZodOptional<(typeof modelFields)[K]>;
}>;

export const experimentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: name('name').describe('Short name of the experiment, e.g. halves-left-right.'),
    title: z.string().min(1).max(200).optional().describe("The report's title."),
    description: z.string().max(5_000).optional().describe("The report's opening paragraph."),
    seed: z
      .int({ error: 'seed must be a whole number' })
      .min(0, { error: 'seed must be within 0-4294967295' })
      .max(0xffff_ffff, { error: 'seed must be within 0-4294967295' })
      .optional()
      .describe('Default seed; --seed overrides it.'),
    defaults: defaultsSchema.optional(),
    models: z
      .array(modelSchema)
      .min(1, { error: 'models must list at least one model' })
      .max(MAX_MODELS, { error: `models may list at most ${MAX_MODELS}` }),
    comparisons: z
      .array(
        z.strictObject({
          title: z.string().min(1).max(200).optional(),
          models: z
            .array(z.string())
            .min(2, { error: 'a comparison names at least two models' })
            .max(MAX_MODELS),
        }),
      )
      .optional()
      .describe(
        'Two models: compared class by class with their disagreements; more: one table of all, against the first.',
      ),
  })
  .describe(
    'An fmnist-lab experiment: dense networks on cropped Fashion-MNIST, run, reported and cross-checked by `fmnist run`.',
  );

/** An experiment file as written (before defaults are filled). */
export type ExperimentInput = z.infer<typeof experimentSchema>;

// The file's layers and optimizers are the engine's own specs: this fails to compile if they drift.
type Layer = z.infer<typeof layer>;
type Optimizer = z.infer<typeof optimizer>;
const _layersAreSpecs: (l: Layer) => LayerSpec = (l) => l;
const _optimizersAreSpecs: (o: Optimizer) => OptimizerSpec = (o) => o;
void _layersAreSpecs;
void _optimizersAreSpecs;

/** The JSON Schema of the experiment file, as shipped in experiments/experiment.schema.json. */
export function experimentJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(experimentSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'fmnist-lab experiment',
  };
}
