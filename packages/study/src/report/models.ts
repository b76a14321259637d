/**
 * Model figures: the diagram of a network (Keras's plot_model), its training curves, its
 * confusion matrix and its most confident mistakes.
 */
import { CLASS_NAMES, type ImageSet } from '@fmnist/data';
import type { Sequential } from '@fmnist/nn';
import type { Block } from '@fmnist/reports';
import {
  confusionMatrixChart,
  type DiagramLayer,
  imageGrid,
  modelDiagram,
  type RenderedFigure,
  trainingCurvesChart,
} from '@fmnist/reports';
import type { ModelResult } from '../index.js';
import { figure, paragraph } from './figures.js';

export function diagramOf(model: Sequential, title: string): RenderedFigure {
  const layers: DiagramLayer[] = model.layers.map((layer) => {
    const activation = (layer as { activation?: unknown }).activation;
    return {
      name: layer.name,
      type: layer.className,
      inputShape: [...layer.inputShape],
      outputShape: [...layer.outputShape],
      ...(typeof activation === 'string' ? { activation } : {}),
    };
  });
  return modelDiagram({ name: title, layers });
}

export function curvesOf(model: ModelResult, title: string) {
  return trainingCurvesChart(model.history, { title, bestEpoch: model.bestEpoch });
}

/** The confusion matrix figure, with a caption naming the model's three largest confusions. */
export async function confusionFigure(model: ModelResult) {
  const matrix = model.test.confusionMatrix;
  const chart = await confusionMatrixChart(matrix, CLASS_NAMES, {
    title: `${model.name}: confusion matrix (test set)`,
  });
  const confusions = matrix
    .flatMap((row, t) => row.map((count, p) => ({ t, p, count })))
    .filter((c) => c.t !== c.p && c.count > 0)
    .sort((a, b) => b.count - a.count)
    .slice(0, 3)
    .map((c) => `${CLASS_NAMES[c.t]} taken for ${CLASS_NAMES[c.p]} ${c.count} times`);
  return figure(
    `confusion-${model.name}`,
    chart,
    `Confusion matrix of ${model.name} on the test set: rows the true class, columns the predicted one, each cell its count, shaded by its share of the row.${confusions.length > 0 ? ` Its largest confusions: ${confusions.join('; ')}.` : ''}`,
  );
}

/**
 * The test images the model got wrong with the most confidence (whole images, whatever crop the
 * model saw), each with its true class and the model's answer and probability.
 */
export function mistakesFigure(model: ModelResult, test: ImageSet) {
  const size = test.rows * test.cols;
  const mistakes = model.test.mistakes;
  if (mistakes.length === 0) return paragraph(`${model.name} got every test image right.`);
  return figure(
    `mistakes-${model.name}`,
    imageGrid(
      mistakes.map((m) => ({
        image: {
          pixels: test.pixels.subarray(m.index * size, (m.index + 1) * size),
          height: test.rows,
          width: test.cols,
        },
        caption: [
          { text: `#${m.index}`, color: '#666' },
          { text: `true: ${CLASS_NAMES[m.label]}` },
          {
            text: `${CLASS_NAMES[m.predicted]} ${m.probability.toFixed(2)}`,
            color: '#c62828',
            bold: true,
          },
        ],
      })),
      { cols: 6, scale: 3, title: `${model.name}: its most confident mistakes` },
    ),
    `The ${mistakes.length} test images ${model.name} got wrong with the highest probability on its wrong answer (shown in red, with that probability), whole images whatever half the model saw.`,
  );
}

/**
 * What every trained model's section shows, in this order: its curves (titled `curvesTitle`),
 * its observations, its classification report, its confusion matrix and its mistakes.
 */
export async function trainedModelBlocks(
  model: ModelResult,
  test: ImageSet,
  curvesTitle: string,
): Promise<Block[]> {
  return [
    figure(
      `curves-${model.name}`,
      await curvesOf(model, curvesTitle),
      `Loss and accuracy per epoch for ${model.name}; training values are running means over each epoch, drawn half an epoch to the left; the diamond marks the lowest validation loss (epoch ${model.bestEpoch}).`,
    ),
    { type: 'observations', items: model.observations },
    {
      type: 'pre',
      caption: `Classification report: ${model.name} (test set)`,
      text: model.test.report,
    },
    await confusionFigure(model),
    mistakesFigure(model, test),
  ];
}
