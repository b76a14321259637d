/** Model figures: the diagram of a network (Keras's plot_model) and its training curves. */

import { CLASS_NAMES } from '@fmnist/data';
import type { Sequential } from '@fmnist/nn';
import {
  confusionMatrixChart,
  type DiagramLayer,
  modelDiagram,
  type RenderedFigure,
  trainingCurvesChart,
} from '@fmnist/reports';
import type { ModelResult } from '@fmnist/study';
import { figure } from './figures.js';

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
