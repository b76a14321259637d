/**
 * The report of an experiment file (`fmnist run`): what the file defines, each model as the
 * study's models are shown (summary, diagram, curves, classification report, confusion matrix,
 * mistakes), then each comparison: a pair as Part 1 compares top and bottom (class by class,
 * the confusion difference, the disagreements as images), a group as Part 2 compares its four.
 */
import { JsBackend } from '@fmnist/core';
import { CLASS_NAMES, describeCrop, type ImageSet } from '@fmnist/data';
import { type LayerSpec, Sequential } from '@fmnist/nn';
import { modelComparisonTable, perClassComparisonTable, type Section } from '@fmnist/reports';
import {
  type Comparison,
  describeOptimizer,
  type ExperimentResult,
  type ModelJob,
  type ModelResult,
} from '../index.js';
import { epochs, figure, paragraph, simpleTable } from './figures.js';
import { diagramOf, trainedModelBlocks } from './models.js';
import { confusionDifference, disagreementBlock } from './part1-section.js';

/** `Dense(128, relu) -> Dropout(0.5) -> Dense(10, softmax)` (the leading Flatten left out). */
export function describeLayers(layers: readonly LayerSpec[]): string {
  return layers
    .filter((l) => l.type !== 'flatten')
    .map((l) => {
      switch (l.type) {
        case 'dense':
          return `Dense(${l.units}, ${l.activation}${l.useBias === false ? ', no bias' : ''}${l.kernelRegularizer ? `, L2 ${l.kernelRegularizer.l2}` : ''})`;
        case 'dropout':
          return `Dropout(${l.rate})`;
        default:
          return 'BatchNormalization';
      }
    })
    .join(' -> ');
}

function definitionSection(report: ExperimentResult): Section {
  const { experiment, jobs } = report;
  // Columns that say something for this file only: a table as wide as the page stays readable.
  const stopping = jobs.some((job) => job.earlyStopping);
  const resets = jobs.some((job) => job.resetFrom);
  return {
    heading: 'The experiment',
    blocks: [
      ...(experiment.description ? [paragraph(experiment.description)] : []),
      {
        type: 'table',
        table: simpleTable(
          `The models of ${experiment.name}, as its file defines them (sparse categorical cross-entropy, accuracy; a Flatten first)`,
          [
            'model',
            'input',
            'layers',
            'optimizer',
            'epochs',
            'batch',
            ...(stopping ? ['early stopping'] : []),
            ...(resets ? ['starts from'] : []),
          ],
          jobs.map((job) => [
            job.name,
            describeCrop(job.crop),
            describeLayers(job.spec.layers),
            describeOptimizer(job.optimizer),
            String(job.epochs),
            String(job.batchSize),
            ...(stopping
              ? [job.earlyStopping ? `patience ${job.earlyStopping.patience}` : 'no']
              : []),
            ...(resets ? [job.resetFrom ? `${job.resetFrom}'s weights` : 'the seed'] : []),
          ]),
        ),
      },
      paragraph(
        "Every model is built with the run's seed: a layer's initial weights depend only on the seed and its place in the network, so two models of the same architecture start from the same weights, and every model sees the same batches in the same order.",
      ),
    ],
  };
}

async function modelSection(model: ModelResult, job: ModelJob, test: ImageSet): Promise<Section> {
  const backend = new JsBackend();
  const network = new Sequential(job.spec, { backend });
  const diagram = diagramOf(network, `${model.name}: ${network.inputShape.join('x')} input`);
  network.dispose();
  return {
    heading: `${model.name}: ${describeCrop(model.crop)}`,
    blocks: [
      paragraph(
        `${model.epochsRun} of ${epochs(model.epochsPlanned)} of batch ${job.batchSize} in ${model.seconds.toFixed(1)} s on ${model.backend}; ${model.params.total.toLocaleString('en-US')} parameters; initial weights SHA-256 ${model.initialWeightsSha256.slice(0, 12)}…; best epoch ${model.bestEpoch}; test accuracy ${model.test.accuracy.toFixed(4)}.`,
      ),
      { type: 'pre', caption: `Summary: ${model.name}`, text: model.summary },
      figure(`model-${model.name}`, diagram, `${model.name}, layer by layer, with its shapes.`),
      ...(await trainedModelBlocks(model, test, `${model.name}: loss and accuracy per epoch`)),
    ],
  };
}

async function comparisonSection(
  comparison: Comparison,
  index: number,
  models: readonly ModelResult[],
  test: ImageSet,
): Promise<Section> {
  const of = (name: string) => models.find((m) => m.name === name)!;
  if (comparison.kind === 'group') {
    return {
      heading: comparison.title,
      blocks: [
        { type: 'table', table: modelComparisonTable(comparison.comparison) },
        paragraph(
          'Gaps are at the final epoch (for early stopping, the last epoch run): validation minus training loss, training minus validation accuracy. Training time is wall-clock time, validation after each epoch included; with models trained side by side on a shared machine it also reflects the load at the time.',
        ),
        { type: 'observations', items: comparison.observations },
      ],
    };
  }
  const [a, b] = comparison.models.map(of) as [ModelResult, ModelResult];
  const id = `comparison${index + 1}-`;
  return {
    heading: comparison.title,
    blocks: [
      paragraph(
        comparison.sameInitialWeights
          ? `${a.name} and ${b.name} started from the very same initial weights (the same SHA-256) and saw the same batches in the same order: what differs is what they were shown.`
          : `${a.name} and ${b.name} did not start from the same initial weights (their architectures or seeds differ).`,
      ),
      {
        type: 'table',
        table: perClassComparisonTable(CLASS_NAMES, [
          { name: a.name, classes: a.test.classes },
          { name: b.name, classes: b.test.classes },
        ]),
      },
      { type: 'observations', items: comparison.observations },
      await confusionDifference(a, b),
      ...disagreementBlock(comparison.disagreements[0], test, {
        id,
        seen: 'each model saw only its crop',
      }),
      ...disagreementBlock(comparison.disagreements[1], test, {
        id,
        seen: 'each model saw only its crop',
      }),
    ],
  };
}

export async function experimentSections(
  report: ExperimentResult,
  test: ImageSet,
): Promise<Section[]> {
  const modelSections: Section[] = [];
  for (const model of report.models) {
    const job = report.jobs.find((j) => j.name === model.name)!;
    modelSections.push(await modelSection(model, job, test));
  }
  const sections: Section[] = [
    definitionSection(report),
    { heading: 'The models, trained', blocks: [], sections: modelSections },
  ];
  const compared: Section[] = [];
  for (const [i, c] of report.comparisons.entries()) {
    compared.push(await comparisonSection(c, i, report.models, test));
  }
  if (compared.length > 0) sections.push({ heading: 'Compared', blocks: [], sections: compared });
  return sections;
}

/** The terminal's text: each model's line, then each comparison's table and observations. */
export function experimentText(report: ExperimentResult): string {
  const lines = [`${report.experiment.title ?? report.experiment.name}`];
  for (const m of report.models) {
    lines.push(
      `- ${m.name}, on the ${describeCrop(m.crop)}: test accuracy ${m.test.accuracy.toFixed(4)}, macro F1 ${m.test.macroAvg.f1.toFixed(4)}, best epoch ${m.bestEpoch} of ${m.epochsRun}`,
    );
  }
  for (const c of report.comparisons) {
    lines.push('', c.title, ...c.observations.map((o) => `- ${o.text}`));
  }
  return lines.join('\n');
}
