/**
 * One training step of one of the study's models, taken apart layer by layer.
 *
 *   1. a real mini-batch: the first B training images, cropped as the model needs;
 *   2. forward: each layer's `forward` in turn (training mode, as fit runs it), every output kept;
 *   3. the loss, and the fused softmax/cross-entropy gradient dL/dz = (p − onehot)/B;
 *   4. backward: each layer's `backward` in reverse, every dL/dy and dL/dx kept, every weight's
 *      gradient left in `weight.grad`;
 *   5. a check of those gradients: the same model in float64 on the js backend, its analytic
 *      gradient against a central finite difference on a few entries of every weight
 *      (finite-differences.ts);
 *   6. the TensorFlow.js reference with the same weights and the same dropout mask: its layer
 *      outputs, loss, gradients and updated weights next to the engine's;
 *   7. one optimizer step, and for a few entries how the gradient became a weight change
 *      (optimizer-step.ts).
 *
 * The walk asks the model itself (Sequential.step with taps, the same forward and backward as a
 * training step), so what it shows is what training computes.
 */
import { Rng } from '@fmnist/core';
import { CLASS_NAMES, describeCrop, type FashionMnist, features, sliceSet } from '@fmnist/data';
import type { DropoutMasks } from '@fmnist/nn';
import {
  BatchNormalization,
  countCorrect,
  Dense,
  Dropout,
  type OptimizerSpec,
  Sequential,
} from '@fmnist/nn';
import { type NamedArray, shareDropoutMasks, TfReference, TOLERANCES } from '@fmnist/tf';
import { type Crop, MODEL_NAMES, type ModelJob, studyJobs } from '../models.js';
import { compare, type ReferenceDifference } from './compare.js';
import { GRADIENT_CHECK, gradientCheck } from './finite-differences.js';
import { explainOptimizerStep, type OptimizerExplain } from './optimizer-step.js';
import { type SourceFormula, sourceFormula } from './sources.js';
import {
  type Stats,
  sameEntries,
  sampleRow,
  stats,
  unflatten,
  type ValuesSample,
} from './stats.js';

export type { ReferenceDifference } from './compare.js';
export { GRADIENT_CHECK, relativeError } from './finite-differences.js';
export type { OptimizerEntry, OptimizerExplain } from './optimizer-step.js';

/** The study's six models, in the study's order. */
export const EXPLAIN_MODELS = MODEL_NAMES;
/** A model explain can walk: the study's six, or any model of an experiment (with its job). */
export type ExplainModelName = string;

/**
 * The default model of `fmnist explain`: batch-norm has the most inside to show (Dense layers,
 * batch normalisation with its batch statistics, the softmax output, and Adam's moments).
 */
export const DEFAULT_EXPLAIN_MODEL: ExplainModelName = 'batch-norm';

export interface TensorView {
  shape: number[];
  stats: Stats;
  /** A few actual values (one row, consecutive entries). */
  sample: ValuesSample;
}

export interface GradientCheckEntry {
  /** Position in the weight, e.g. [203, 17] in a [392, 128] kernel. */
  index: number[];
  /** The engine's backward pass in float64. */
  analytic: number;
  /** (L(w + h) − L(w − h)) / 2h in float64. */
  numeric: number;
  /** |analytic − numeric| / max(|analytic|, |numeric|, floor). */
  relativeError: number;
  /** A ReLU switched between w − h and w + h: the estimate is not valid, not held to the bound. */
  kink: boolean;
  /** The engine's float32 gradient (what training uses). */
  engine: number;
  /** TensorFlow.js's float32 gradient of the same entry. */
  reference: number | null;
}

export interface WeightExplain {
  name: string;
  shape: number[];
  trainable: boolean;
  value: Stats;
  /** d loss / d weight (trainable weights only). */
  grad: Stats | null;
  gradientCheck: GradientCheckEntry[];
  /** The gradient against TensorFlow.js's (trainable weights, when the reference ran). */
  reference: ReferenceDifference | null;
}

export interface BatchNormExplain {
  channels: number;
  epsilon: number;
  momentum: number;
  /** Per channel, over the batch: the layer's input (μ, σ of the ReLU outputs it receives). */
  before: { mean: number[]; std: number[] };
  /** Per channel, over the batch: the output γ·x̂ + β (mean ≈ β, std ≈ γ unless σ² ≪ ε). */
  after: { mean: number[]; std: number[] };
  gamma: number[];
  beta: number[];
  /** The moving statistics after this one training-mode forward pass. */
  movingMean: number[];
  movingVariance: number[];
}

export interface DropoutExplain {
  rate: number;
  /** 1 / (1 − rate): what kept units are multiplied by. */
  scale: number;
  /** Share of the batch's units this pass dropped. */
  droppedFraction: number;
}

export interface LayerExplain {
  /** 1-based position in the model. */
  position: number;
  name: string;
  className: string;
  /** Dense's activation, e.g. relu or softmax. */
  activation: string | null;
  source: SourceFormula;
  input: TensorView;
  output: TensorView & {
    /** TensorFlow.js's output of the same layer (training mode, same mask). */
    reference: (ReferenceDifference & { sample: number[] }) | null;
  };
  /** The gradient arriving from above: dL/dy, or dL/dz for the softmax layer (fused with the loss). */
  gradOutput: TensorView & { of: 'dL/dy' | 'dL/dz' };
  /** The gradient passed down to the layer below, dL/dx. */
  gradInput: TensorView;
  /** Does training compute dL/dx here? Only when some layer below has trainable weights. */
  inputGradUsed: boolean;
  weights: WeightExplain[];
  batchNorm: BatchNormExplain | null;
  dropout: DropoutExplain | null;
}

export interface ExplainResult {
  model: ExplainModelName;
  /** Which crop of the images the model reads. */
  crop: Crop;
  seed: number;
  batch: {
    size: number;
    /** Which images: the first `size` of the training split. */
    images: string;
    shape: number[];
    labels: number[];
    classNames: string[];
    input: TensorView;
  };
  /** Whose weights: the model's seeded initial ones (as fit starts) or the caller's (trained). */
  weights: 'initial' | 'given';
  engine: { backend: string; dtype: 'float32' };
  reference: { backend: string } | null;
  modelSource: SourceFormula;
  layers: LayerExplain[];
  loss: {
    value: number;
    reference: number | null;
    difference: ReferenceDifference | null;
    source: SourceFormula;
    /** How many of the batch the model (at these weights) classifies correctly. */
    correct: number;
  };
  gradientCheck: {
    dtype: 'float64';
    backend: 'js';
    step: number;
    bound: number;
    floor: number;
    checked: number;
    /** Entries skipped because a ReLU switched inside [w − h, w + h]. */
    kinks: number;
    maxRelativeError: number;
    ok: boolean;
  };
  optimizer: OptimizerExplain;
  /** Every engine-vs-reference comparison within the cross-check's tolerance (null: not run). */
  referenceOk: boolean | null;
}

/** The arrays behind the explanation, for figures (too big for the JSON). */
export interface ExplainArrays {
  /** The batch, [B × inputSize]. */
  input: Float32Array;
  inputShape: number[];
  /** Every layer's training-mode output, in layer order. */
  outputs: Float32Array[];
  /** The first Dense layer's kernel [inputSize × units] before the step, and its gradient. */
  firstKernel: { name: string; units: number; values: Float32Array; grad: Float32Array } | null;
  /** Every weight after the step, in Keras order (the moving statistics too): where it led. */
  weightsAfter: Float32Array[];
}

export interface Explanation {
  result: ExplainResult;
  arrays: ExplainArrays;
}

export interface ExplainOptions {
  model: ExplainModelName;
  /** The model's job when it is an experiment's (default: the study's model of that name). */
  job?: ModelJob;
  /** The data (its training split is all the walk reads). */
  data: Pick<FashionMnist, 'train'>;
  seed: number;
  /** Rows of the mini-batch (the study's is 32). */
  batchSize: number;
  /** Run the TensorFlow.js reference beside the engine (default true). */
  reference?: boolean;
  /** Entries per weight for the finite-difference check and the optimizer step. */
  entriesPerWeight?: number;
  /**
   * Weights to explain, in Keras order (Sequential.getWeights()), e.g. a trained model's;
   * default: the model's seeded initial weights, as fit starts from.
   */
  weights?: readonly ArrayLike<number>[];
  onProgress?: (message: string) => void;
}

function view(values: ArrayLike<number>, shape: number[]): TensorView {
  const width = shape.slice(1).reduce((a, b) => a * b, 1);
  return { shape, stats: stats(values), sample: sampleRow(values, width) };
}

function columnStats(values: ArrayLike<number>, rows: number, cols: number) {
  const mean = new Array<number>(cols).fill(0);
  const std = new Array<number>(cols).fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += values[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c] = mean[c]! / rows;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) std[c]! += (values[r * cols + c]! - mean[c]!) ** 2;
  for (let c = 0; c < cols; c++) std[c] = Math.sqrt(std[c]! / rows);
  return { mean, std };
}

/** Walks one batch through the model forward and backward, and explains every step. */
export async function explainModel(options: ExplainOptions): Promise<Explanation> {
  const study = options.job ?? studyJobs().find((m) => m.name === options.model);
  if (!study) {
    throw new RangeError(
      `Unknown model '${options.model}'; use one of ${EXPLAIN_MODELS.join(', ')}.`,
    );
  }
  const { spec, crop } = study;
  const optimizerSpec: OptimizerSpec = study.optimizer;
  const progress = options.onProgress ?? (() => {});
  const perWeight = options.entriesPerWeight ?? GRADIENT_CHECK.entriesPerWeight;

  // 1. The mini-batch: the first B training images, cropped and scaled as the study feeds them.
  const batch = Math.max(1, Math.min(options.batchSize, options.data.train.count));
  const set = features(sliceSet(options.data.train, 0, batch), crop);
  const x = set.x;
  const labels = Int32Array.from(set.y);
  const inputShape = [batch, ...spec.inputShape];

  const model = new Sequential(spec, { seed: options.seed });
  try {
    model.compile({ optimizer: optimizerSpec });
    if (options.weights) model.setWeights(options.weights);
    const initial = model.getWeights();
    const rng = new Rng(options.seed).fork(0xe4);
    // One dropout mask, pinned in the engine and handed to the float64 copy and the reference.
    const masks: DropoutMasks = shareDropoutMasks(model, batch, rng.fork(1));
    const layers = model.layers;
    const classes = model.classes;

    // 2-4. Forward in training mode, the loss, and backward through the model's own seam
    // (Sequential.step with taps): every layer's output, the dL/dy arriving at it and the dL/dx
    // it passes down (for the first layer too), every weight's gradient left in `weight.grad`.
    progress(`${options.model}: forward and backward through ${layers.length} layers`);
    const taps = model.step(x, labels, { apply: false, taps: true }).taps!;
    const outputs = taps.outputs;
    const inputs = [x, ...outputs.slice(0, -1)];
    const probs = outputs.at(-1)!;
    const loss = taps.loss;
    const gradOutputs = taps.gradOutputs;
    const gradInputs = taps.gradInputs;
    const engineGrads = new Map(
      model.trainableWeights.map((w) => [w.name, Float32Array.from(w.grad!)]),
    );
    const movingAfterForward = new Map(
      model.weights.filter((w) => !w.trainable).map((w) => [w.name, Array.from(w.value)]),
    );

    // 5. The same model in float64 on the js backend: analytic gradient and finite differences.
    progress(`${options.model}: finite-difference check in float64`);
    const check = gradientCheck(spec, initial, masks, x, labels, perWeight, rng.fork(2));

    // 6. The TensorFlow.js reference: same weights, same batch, same dropout mask.
    let tf: {
      backend: string;
      activations: NamedArray[];
      gradients: Map<string, Float32Array>;
      loss: number;
      after: Map<string, Float32Array>;
    } | null = null;
    if (options.reference ?? true) {
      progress(`${options.model}: the same step in TensorFlow.js`);
      const reference = await TfReference.create(spec, { optimizer: optimizerSpec });
      try {
        reference.setWeights(initial);
        const step = reference.trainStep(x, labels, {
          dropoutMasks: masks,
          recordActivations: true,
        });
        tf = {
          backend: reference.backend,
          activations: step.activations ?? [],
          gradients: new Map(step.gradients.map((a) => [a.name, a.values])),
          loss: step.loss,
          after: new Map(reference.getWeights().map((a) => [a.name, a.values])),
        };
      } finally {
        reference.dispose();
      }
    }

    // 7. One optimizer step with the engine's gradients.
    const trainable = model.trainableWeights;
    const before = new Map(trainable.map((w) => [w.name, Float32Array.from(w.value)]));
    model.applyGradients();
    const optimizer = explainOptimizerStep(
      optimizerSpec,
      model.optimizer!.config,
      trainable.map((w) => ({
        name: w.name,
        shape: [...w.shape],
        before: before.get(w.name)!,
        after: w.value,
        grad: engineGrads.get(w.name)!,
        entries: check.entries.get(w.name) ?? [],
        reference: tf?.after.get(w.name) ?? null,
      })),
    );

    // The explanation of each layer.
    const layerExplains: LayerExplain[] = layers.map((layer, i) => {
      const outShape = [batch, ...layer.outputShape];
      const inShape = [batch, ...layer.inputShape];
      const output = view(outputs[i]!, outShape);
      const tfOut = tf?.activations[i]?.values;
      const width = layer.outputSize;
      const weights: WeightExplain[] = layer.weights.map((w) => {
        const grad = w.trainable ? engineGrads.get(w.name)! : null;
        const tfGrad = tf?.gradients.get(w.name) ?? null;
        const value = w.trainable
          ? initial[model.weights.indexOf(w)]!
          : (movingAfterForward.get(w.name) ?? []);
        return {
          name: w.name,
          shape: [...w.shape],
          trainable: w.trainable,
          value: stats(value),
          grad: grad ? stats(grad) : null,
          gradientCheck: (check.entries.get(w.name) ?? []).map((e) => ({
            index: unflatten(e.flat, w.shape),
            analytic: e.analytic,
            numeric: e.numeric,
            relativeError: e.relativeError,
            kink: e.kink,
            engine: grad![e.flat]!,
            reference: tfGrad ? tfGrad[e.flat]! : null,
          })),
          reference: grad && tfGrad ? compare(grad, tfGrad, TOLERANCES.gradients) : null,
        };
      });
      let batchNorm: BatchNormExplain | null = null;
      if (layer instanceof BatchNormalization) {
        const c = layer.inputSize;
        const gammaIndex = model.weights.indexOf(layer.gamma);
        batchNorm = {
          channels: c,
          epsilon: layer.epsilon,
          momentum: layer.momentum,
          before: columnStats(inputs[i]!, batch, c),
          after: columnStats(outputs[i]!, batch, c),
          gamma: Array.from(initial[gammaIndex]!),
          beta: Array.from(initial[gammaIndex + 1]!),
          movingMean: movingAfterForward.get(layer.movingMean.name) ?? [],
          movingVariance: movingAfterForward.get(layer.movingVariance.name) ?? [],
        };
      }
      let dropout: DropoutExplain | null = null;
      if (layer instanceof Dropout) {
        const keep = masks[layer.name];
        let dropped = 0;
        if (keep) for (const k of keep) if (k === 0) dropped++;
        dropout = {
          rate: layer.rate,
          scale: 1 / (1 - layer.rate),
          droppedFraction: keep ? dropped / keep.length : 0,
        };
      }
      return {
        position: i + 1,
        name: layer.name,
        className: layer.className,
        activation: layer instanceof Dense ? layer.activation : null,
        source: sourceFormula(layer.className),
        input: view(inputs[i]!, inShape),
        output: {
          ...output,
          reference: tfOut
            ? {
                ...compare(outputs[i]!, tfOut, TOLERANCES.activations),
                sample: sameEntries(tfOut, width, output.sample),
              }
            : null,
        },
        gradOutput: {
          ...view(gradOutputs[i]!, outShape),
          of: i === layers.length - 1 ? 'dL/dz' : 'dL/dy',
        },
        gradInput: view(gradInputs[i]!, inShape),
        inputGradUsed: layers.slice(0, i).some((l) => l.weights.some((w) => w.trainable)),
        weights,
        batchNorm,
        dropout,
      };
    });

    const lossDifference = tf ? compare([loss], [tf.loss], TOLERANCES.loss) : null;
    const correct = countCorrect(probs, labels, batch, classes);
    const firstDense = layers.find((l): l is Dense => l instanceof Dense);
    const referenceOk = tf
      ? lossDifference!.ok &&
        layerExplains.every(
          (l) =>
            (l.output.reference?.ok ?? true) && l.weights.every((w) => w.reference?.ok ?? true),
        ) &&
        (optimizer.reference ?? []).every((r) => r.ok)
      : null;

    const result: ExplainResult = {
      model: options.model,
      crop,
      seed: options.seed,
      batch: {
        size: batch,
        images: `the first ${batch} images of the training split, ${describeCrop(crop)}`,
        shape: inputShape,
        labels: Array.from(labels),
        classNames: Array.from(labels, (l) => CLASS_NAMES[l]!),
        input: view(x, inputShape),
      },
      weights: options.weights ? 'given' : 'initial',
      engine: { backend: model.backend.name, dtype: 'float32' },
      reference: tf ? { backend: tf.backend } : null,
      modelSource: sourceFormula('model'),
      layers: layerExplains,
      loss: {
        value: loss,
        reference: tf ? tf.loss : null,
        difference: lossDifference,
        source: sourceFormula('loss'),
        correct,
      },
      gradientCheck: {
        dtype: 'float64',
        backend: 'js',
        step: GRADIENT_CHECK.step,
        bound: GRADIENT_CHECK.bound,
        floor: GRADIENT_CHECK.floor,
        checked: check.checked,
        kinks: check.kinks,
        maxRelativeError: check.maxRelativeError,
        ok: check.maxRelativeError < GRADIENT_CHECK.bound,
      },
      optimizer,
      referenceOk,
    };
    const firstIndex = firstDense ? model.weights.indexOf(firstDense.kernel) : -1;
    return {
      result,
      arrays: {
        input: x,
        inputShape,
        outputs,
        firstKernel: firstDense
          ? {
              name: firstDense.kernel.name,
              units: firstDense.units,
              values: Float32Array.from(initial[firstIndex]!),
              grad: engineGrads.get(firstDense.kernel.name)!,
            }
          : null,
        weightsAfter: model.getWeights().map((w) => Float32Array.from(w)),
      },
    };
  } finally {
    model.dispose();
  }
}
