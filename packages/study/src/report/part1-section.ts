/**
 * The report's Part 1 section: the two architectures (summaries and diagrams), the training
 * of the 14x28 network on top and on bottom, their classification reports, the per-class
 * comparison with written observations, and the disagreements shown as images.
 */
import { CLASS_NAMES, type ImageSet, imageAt } from '@fmnist/data';
import {
  type Block,
  confusionDifferenceChart,
  disagreementFigure,
  perClassComparisonTable,
  type Section,
} from '@fmnist/reports';
import type { DisagreementSet, ModelResult, Part1Result } from '../index.js';
import { part1Architectures } from '../index.js';
import { epochs, figure, paragraph } from './figures.js';
import { diagramOf, trainedModelBlocks } from './models.js';

const HALF_TITLE: Record<string, string> = {
  top: 'top half (rows 0-13)',
  bottom: 'bottom half (rows 14-27)',
};

function trainingBlocks(model: ModelResult, test: ImageSet): Promise<Block[]> {
  return trainedModelBlocks(
    model,
    test,
    `${model.name}: the 14x28 model on the ${HALF_TITLE[model.name]}`,
  );
}

const isHalf = (crop: unknown) => ['top', 'bottom', 'left', 'right'].includes(crop as string);

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Top's confusion matrix minus bottom's, with the three confusions (off the diagonal) where the
 * two halves differ most.
 */
export async function confusionDifference(a: ModelResult, b: ModelResult): Promise<Block> {
  const ma = a.test.confusionMatrix;
  const mb = b.test.confusionMatrix;
  const chart = await confusionDifferenceChart(ma, mb, CLASS_NAMES, { names: [a.name, b.name] });
  const largest = ma
    .flatMap((row, t) => row.map((count, p) => ({ t, p, d: count - mb[t]![p]! })))
    .filter((c) => c.t !== c.p && c.d !== 0)
    .sort((x, y) => Math.abs(y.d) - Math.abs(x.d))
    .slice(0, 3)
    .map(
      (c) =>
        `${CLASS_NAMES[c.t]} taken for ${CLASS_NAMES[c.p]} ${Math.abs(c.d)} times more often by ${c.d > 0 ? a.name : b.name} (${ma[c.t]![c.p]} vs ${mb[c.t]![c.p]})`,
    );
  return figure(
    `confusion-${a.name}-minus-${b.name}`,
    chart,
    `${a.name}'s confusion matrix minus ${b.name}'s on the test set: red where ${a.name} puts more images, blue where ${b.name} does; off the diagonal, what one ${a.crop === b.crop ? 'model' : isHalf(a.crop) && isHalf(b.crop) ? 'half' : 'crop'} confuses and the other does not.${largest.length > 0 ? ` The largest differences: ${largest.join('; ')}.` : ''}`,
  );
}

export function disagreementBlock(
  set: DisagreementSet,
  test: ImageSet,
  options: { id?: string; seen?: string } = {},
): Block[] {
  // The study says "Top right, bottom wrong"; an experiment's names may be words themselves
  // (left, right), so it says "Right with left, wrong with right".
  const text =
    options.id === undefined
      ? `${capitalised(set.right)} right, ${set.wrong} wrong: ${set.count.toLocaleString('en-US')} test images.`
      : `Right with ${set.right}, wrong with ${set.wrong}: ${set.count.toLocaleString('en-US')} test images.`;
  if (set.first.length === 0) return [paragraph(`${text} None to show.`)];
  return [
    paragraph(
      `${text} The first ${set.first.length}, with the true label and ${set.wrong}'s wrong prediction:`,
    ),
    figure(
      `${options.id ?? ''}disagreements-${set.right}-right`,
      disagreementFigure(
        set.first.map((c) => ({
          image: { pixels: imageAt(test, c.index), height: 28, width: 28 },
          trueLabel: c.trueName,
          predicted: c.predictedName,
          index: c.index,
        })),
        {
          wrongModel: set.wrong,
          title: `Right with ${set.right}, wrong with ${set.wrong} (${set.count.toLocaleString('en-US')} images)`,
        },
      ),
      `The first ${set.first.length} test images ${set.right} classifies correctly and ${set.wrong} does not (whole images shown; ${options.seen ?? 'each model saw only its half'}).`,
    ),
  ];
}

export async function part1Section(result: Part1Result, test: ImageSet): Promise<Section> {
  const { full, half } = part1Architectures();
  const sections: Section[] = [
    {
      heading: 'Models',
      blocks: [
        paragraph(
          'Flatten -> Dense(128, relu) -> Dense(64, relu) -> Dense(10, softmax), for 28x28 input and for 14x28 input (either half); SGD with learning rate 1e-4, sparse categorical cross-entropy, accuracy.',
        ),
        { type: 'pre', caption: 'Summary: the 28x28 model', text: result.summaries.full },
        figure(
          'model-28x28',
          diagramOf(full, 'The 28x28 model'),
          'The 28x28 model, layer by layer, with its shapes.',
        ),
        { type: 'pre', caption: 'Summary: the 14x28 model', text: result.summaries.half },
        figure(
          'model-14x28',
          diagramOf(half, 'The 14x28 model'),
          'The 14x28 model (trained on top, then on bottom), with its shapes.',
        ),
      ],
    },
  ];
  const trained: Section[] = [];
  for (const model of result.models) {
    trained.push({
      heading: `Trained on the ${HALF_TITLE[model.name]}`,
      blocks: [
        paragraph(
          `${epochs(model.epochsRun)} of batch 32 in ${model.seconds.toFixed(1)} s on ${model.backend}; initial weights SHA-256 ${model.initialWeightsSha256.slice(0, 12)}…; test accuracy ${model.test.accuracy.toFixed(4)}.`,
        ),
        ...(await trainingBlocks(model, test)),
      ],
    });
  }
  sections.push({
    heading: 'Training: top, then bottom from the same initial weights',
    blocks: [
      paragraph(
        result.sameInitialWeights === null
          ? 'Only one of the two models ran (--model).'
          : result.sameInitialWeights
            ? 'The 14x28 model was trained on the top halves, then reset to the very same initial weights (same fingerprint) and trained on the bottom halves, with the same batches in the same order.'
            : 'Warning: the two runs did not start from the same initial weights (fingerprints differ).',
      ),
    ],
    sections: trained,
  });
  if (result.perClass && result.disagreements) {
    sections.push({
      heading: 'Top vs bottom, class by class',
      blocks: [
        {
          type: 'table',
          table: perClassComparisonTable(
            CLASS_NAMES,
            result.models.map((m) => ({ name: m.name, classes: m.test.classes })),
          ),
        },
        { type: 'observations', items: result.observations },
        await confusionDifference(result.models[0]!, result.models[1]!),
      ],
    });
    sections.push({
      heading: 'Disagreements',
      blocks: [
        ...disagreementBlock(result.disagreements.topRightBottomWrong, test),
        ...disagreementBlock(result.disagreements.bottomRightTopWrong, test),
      ],
    });
  }
  return {
    heading: 'Part 1: which half of the image carries the information',
    blocks: [],
    sections,
  };
}
