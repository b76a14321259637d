/**
 * The lab's Step: one training step taken apart, layer by layer, with explain's walk: the batch
 * forward through every layer (its values and statistics), the loss, the gradient arriving at
 * and leaving each layer, every weight before and after the optimizer's update with its formula
 * filled in with this step's numbers, and explain's finite-difference check of the step; the
 * same step in TensorFlow.js beside it on demand. Each press steps from where the last one left
 * the weights (the first press from the model's seeded initial weights, or from a trained
 * model's), on the first batch of the training images, with the optimizer as fit's first step
 * finds it (Adam's moments at zero). Its own entry point (`@fmnist/study/lab/step`): it brings
 * TF.js, which the page loads only when asked.
 */
import type { FashionMnist } from '@fmnist/data';
import { explainText } from '../explain/text.js';
import { explainModel } from '../explain/walk.js';
import { weightsSha256 } from '../fingerprint.js';
import type { ModelJob } from '../models.js';

/** Where the next step starts. */
export interface Stepper {
  job: ModelJob;
  seed: number;
  /** The weights the next step starts from; none: the model's seeded initial weights. */
  weights?: Float32Array[];
  /** Steps taken so far, and from what. */
  steps: number;
  from: 'initial' | 'trained';
}

export interface StepView {
  model: string;
  /** 1 for the first step of this stepper. */
  step: number;
  from: Stepper['from'];
  text: string;
  loss: number;
  /** How many of the batch the model classified correctly before the update. */
  correct: number;
  batch: number;
  gradientCheckOk: boolean;
  /** Every engine-vs-TF.js comparison within tolerance; null when TF.js did not run. */
  referenceOk: boolean | null;
  /** SHA-256 of the weights the step left (a run trained on from here starts from them). */
  weightsSha256: string;
}

/** Takes the stepper's next step (and, with `reference`, TF.js's beside it); moves it on. */
export async function labStep(
  stepper: Stepper,
  data: Pick<FashionMnist, 'train'>,
  reference: boolean,
): Promise<StepView> {
  const { job, seed } = stepper;
  const { result, arrays } = await explainModel({
    model: job.name,
    job,
    data,
    seed,
    batchSize: job.batchSize,
    reference,
    ...(stepper.weights ? { weights: stepper.weights } : {}),
  });
  stepper.weights = arrays.weightsAfter;
  stepper.steps += 1;
  return {
    model: job.name,
    step: stepper.steps,
    from: stepper.from,
    text: explainText(result),
    loss: result.loss.value,
    correct: result.loss.correct,
    batch: result.batch.size,
    gradientCheckOk: result.gradientCheck.ok,
    referenceOk: result.referenceOk,
    weightsSha256: await weightsSha256(arrays.weightsAfter),
  };
}
