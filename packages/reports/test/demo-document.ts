/**
 * A whole sample report built with every part of the public API, as the CLI will build the real
 * one. The demo test writes it; set FMNIST_REPORT_DEMO_DIR to keep it somewhere to look at.
 */
import {
  type Block,
  bestEpoch,
  type ClassDistribution,
  classDistributionChart,
  classDistributionTable,
  classificationMetrics,
  classificationReport,
  compareClasses,
  compareModels,
  confusionMatrixTable,
  describeDisagreements,
  describeTraining,
  disagreementFigure,
  type EpochRecord,
  imageGrid,
  imagePair,
  type ModelComparisonRow,
  modelComparisonTable,
  modelDiagram,
  perClassComparisonTable,
  type RenderedFigure,
  type ReportDocument,
  type Section,
  trainingCurvesChart,
  trainValidationGap,
  weightsGrid,
} from '../src/index.js';
import { CLASS_NAMES, rng, sampleHistory, sampleImages, samplePredictions } from './sample.js';

const figure = (name: string, f: RenderedFigure, caption: string): Block => ({
  type: 'figure',
  name,
  caption,
  svg: f.svg,
  png: f.png,
  ...(f.preferred ? { preferred: f.preferred } : {}),
});

const crop = (image: Uint8Array, half: 'top' | 'bottom') =>
  half === 'top' ? image.subarray(0, 14 * 28) : image.subarray(14 * 28, 28 * 28);

const KERAS_SUMMARY = `Model: "top"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ flatten (Flatten)               │ (None, 392)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 128)            │        50,304 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 64)             │         8,256 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_2 (Dense)                 │ (None, 10)             │           650 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 59,210 (231.29 KB)
 Trainable params: 59,210 (231.29 KB)
 Non-trainable params: 0 (0.00 B)`;

export async function buildDemoDocument(): Promise<ReportDocument> {
  const { images, labels, source } = sampleImages(40);
  const random = rng(5);

  // Part 1 -------------------------------------------------------------------------------------
  const distribution: ClassDistribution = { train: {}, validation: {}, test: {} };
  CLASS_NAMES.forEach((name, i) => {
    distribution.train![name] = 4900 + Math.round(200 * random()) + i;
    distribution.validation![name] = 1000 + Math.round(60 * random()) - 30;
    distribution.test![name] = 1000;
  });
  const first = images[0]!;
  const scaled = Float32Array.from(first, (v) => v / 255);

  const { yTrue, top, bottom } = samplePredictions(2000);
  const topMetrics = classificationMetrics(yTrue, top, CLASS_NAMES);
  const bottomMetrics = classificationMetrics(yTrue, bottom, CLASS_NAMES);

  const topOnly = yTrue.flatMap((t, i) => (top[i] === t && bottom[i] !== t ? [i] : []));
  const bottomOnly = yTrue.flatMap((t, i) => (bottom[i] === t && top[i] !== t ? [i] : []));
  const disagreement = (indices: number[], wrong: number[], wrongModel: string) =>
    disagreementFigure(
      indices.slice(0, 5).map((i) => ({
        image: { pixels: images[i % images.length]!, height: 28, width: 28 },
        trueLabel: CLASS_NAMES[yTrue[i]!]!,
        predicted: CLASS_NAMES[wrong[i]!]!,
        index: i,
      })),
      {
        wrongModel,
        title: `Right with ${wrongModel === 'bottom' ? 'top' : 'bottom'}, wrong with ${wrongModel}`,
      },
    );

  const layers = (inputShape: number[]) => {
    const flat = inputShape.reduce((a, b) => a * b, 1);
    return [
      { name: 'flatten', type: 'Flatten', inputShape, outputShape: [flat] },
      { name: 'dense', type: 'Dense', inputShape: [flat], outputShape: [128], activation: 'relu' },
      { name: 'dense_1', type: 'Dense', inputShape: [128], outputShape: [64], activation: 'relu' },
      {
        name: 'dense_2',
        type: 'Dense',
        inputShape: [64],
        outputShape: [10],
        activation: 'softmax',
      },
    ];
  };

  const grid = (half: 'full' | 'top' | 'bottom') =>
    imageGrid(
      images.slice(0, 20).map((image, i) => ({
        image:
          half === 'full'
            ? { pixels: image, height: 28, width: 28 }
            : { pixels: crop(image, half), height: 14, width: 28 },
        caption: CLASS_NAMES[labels[i]!]!,
      })),
      {
        cols: 5,
        scale: 3,
        title: `First 20 images: ${half === 'full' ? 'original' : `${half} half`}`,
      },
    );

  const part1: Section = {
    heading: 'Part 1: which half of the image carries the information',
    blocks: [{ type: 'paragraph', text: `Images from ${source}.` }],
    sections: [
      {
        heading: 'Class distribution',
        blocks: [
          { type: 'table', table: classDistributionTable(distribution) },
          figure(
            'class-distribution',
            await classDistributionChart(distribution),
            'Images per class in each split.',
          ),
        ],
      },
      {
        heading: 'Scaling and crops',
        blocks: [
          figure(
            'first-image-scaling',
            imagePair(
              { image: { pixels: first, height: 28, width: 28 }, caption: 'before: uint8 0..255' },
              { image: { pixels: scaled, height: 28, width: 28 }, caption: 'after: float32 0..1' },
              { scale: 6, title: 'First training image' },
            ),
            'The first training image before and after scaling: the same picture, new units.',
          ),
          figure(
            'first-image-halves',
            imagePair(
              {
                image: { pixels: crop(first, 'top'), height: 14, width: 28 },
                caption: 'top: rows 0-13',
              },
              {
                image: { pixels: crop(first, 'bottom'), height: 14, width: 28 },
                caption: 'bottom: rows 14-27',
              },
              { scale: 6, title: 'First training image, halves' },
            ),
            'Top and bottom halves.',
          ),
          figure('grid-original', grid('full'), 'First 20 images.'),
          figure('grid-top', grid('top'), 'Their top halves.'),
          figure('grid-bottom', grid('bottom'), 'Their bottom halves.'),
        ],
      },
      {
        heading: 'Models',
        blocks: [
          { type: 'pre', caption: 'Summary of top', text: KERAS_SUMMARY },
          figure(
            'model-full',
            modelDiagram({ name: 'full (28x28)', layers: layers([28, 28]) }),
            'The 28x28 model.',
          ),
          figure(
            'model-half',
            modelDiagram({ name: 'top / bottom (14x28)', layers: layers([14, 28]) }),
            'The 14x28 model.',
          ),
        ],
      },
      {
        heading: 'Top vs bottom',
        blocks: [
          {
            type: 'pre',
            caption: 'Classification report: top',
            text: classificationReport(topMetrics),
          },
          {
            type: 'pre',
            caption: 'Classification report: bottom',
            text: classificationReport(bottomMetrics),
          },
          { type: 'table', table: confusionMatrixTable(CLASS_NAMES, topMetrics.confusionMatrix) },
          {
            type: 'table',
            table: perClassComparisonTable(CLASS_NAMES, [
              { name: 'top', classes: topMetrics.classes },
              { name: 'bottom', classes: bottomMetrics.classes },
            ]),
          },
          {
            type: 'observations',
            items: compareClasses(
              { name: 'top', classes: topMetrics.classes },
              { name: 'bottom', classes: bottomMetrics.classes },
            ),
          },
        ],
      },
      {
        heading: 'Disagreements',
        blocks: [
          {
            type: 'observations',
            items: [
              describeDisagreements({
                aName: 'top',
                bName: 'bottom',
                aRightBWrong: topOnly.length,
                bRightAWrong: bottomOnly.length,
                total: yTrue.length,
              }),
            ],
          },
          figure(
            'disagreements-top-right',
            disagreement(topOnly, bottom, 'bottom'),
            'Top right, bottom wrong.',
          ),
          figure(
            'disagreements-bottom-right',
            disagreement(bottomOnly, top, 'top'),
            'Bottom right, top wrong.',
          ),
        ],
      },
    ],
  };

  // Part 2 -------------------------------------------------------------------------------------
  const runs: {
    name: string;
    history: EpochRecord[];
    params: number;
    seconds: number;
    acc: number;
  }[] = [
    { name: 'base', history: sampleHistory(15, 5, 1), params: 61_066, seconds: 98.2, acc: 0.861 },
    {
      name: 'early-stopping',
      history: sampleHistory(9, 6, 2),
      params: 61_066,
      seconds: 58.7,
      acc: 0.866,
    },
    {
      name: 'batch-norm',
      history: sampleHistory(15, 9, 3),
      params: 61_450,
      seconds: 131.4,
      acc: 0.872,
    },
    {
      name: 'dropout',
      history: sampleHistory(15, 15, 4),
      params: 61_066,
      seconds: 104.9,
      acc: 0.857,
    },
  ];
  const rows: ModelComparisonRow[] = runs.map((r, i) => ({
    name: r.name,
    testAccuracy: r.acc,
    macroF1: r.acc - 0.004 * i,
    bestEpoch: bestEpoch(r.history),
    epochsRun: r.history.length,
    gap: trainValidationGap(r.history),
    params: r.params,
    seconds: r.seconds,
  }));
  const modelSections: Section[] = [];
  for (const r of runs) {
    modelSections.push({
      heading: `Model: ${r.name}`,
      blocks: [
        figure(
          `curves-${r.name}`,
          await trainingCurvesChart(r.history, { title: `${r.name}: loss and accuracy per epoch` }),
          `Training curves of ${r.name}.`,
        ),
        { type: 'observations', items: describeTraining(r.history, { name: r.name }) },
      ],
    });
  }
  const part2: Section = {
    heading: 'Part 2: regularisation on the top half',
    blocks: [],
    sections: [
      ...modelSections,
      {
        heading: 'The four compared',
        blocks: [
          { type: 'table', table: modelComparisonTable(rows) },
          { type: 'observations', items: compareModels(rows) },
        ],
      },
    ],
  };

  // Weights --------------------------------------------------------------------------------------
  const units = Array.from({ length: 16 }, (_, u) =>
    Float32Array.from({ length: 14 * 28 }, (_, i) => {
      const y = Math.floor(i / 28);
      const x = i % 28;
      return 0.08 * Math.sin((x + u) / 3) * Math.cos((y - u) / 4) + 0.02 * (random() - 0.5);
    }),
  );
  const weights: Section = {
    heading: 'First layer weights',
    blocks: [
      figure(
        'weights-dense',
        weightsGrid(units, 14, 28, { cols: 8, title: 'dense: weights of the first 16 units' }),
        'Each unit as a 14x28 image of its input weights: red positive, blue negative.',
      ),
    ],
  };

  return {
    title: 'fmnist-lab: sample report',
    subtitle: 'Synthetic numbers, drawn by the reports package test-suite.',
    metadata: {
      engine: 'custom',
      backend: 'js',
      seed: 42,
      durations: { 'part 1': 183.2, 'part 2': 393.1, total: 576.3 },
      versions: { node: process.versions.node, '@fmnist/reports': '0.1.0' },
      startedAt: '2026-11-27T09:00:00Z',
      command: 'fmnist study --seed 42',
    },
    sections: [part1, part2, weights],
    results: { part1: { top: topMetrics, bottom: bottomMetrics }, part2: { models: rows } },
  };
}
