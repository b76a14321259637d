/** Model figures: the diagram of a network (Keras's plot_model) and its training curves. */
import type { Sequential } from '@fmnist/nn';
import {
  type DiagramLayer,
  modelDiagram,
  type RenderedFigure,
  trainingCurvesChart,
} from '@fmnist/reports';
import type { ModelResult } from '@fmnist/study';

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
