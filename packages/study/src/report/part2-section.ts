/**
 * The report's Part 2 section: each regularised model (summary, training curves with the best
 * epoch marked, observations, classification report) and the comparison of the four.
 */
import type { ImageSet } from '@fmnist/data';
import { modelComparisonTable, type Section } from '@fmnist/reports';
import type { ModelResult, Part2Result } from '../index.js';
import { epochs, paragraph } from './figures.js';
import { trainedModelBlocks } from './models.js';

export const PART2_TITLES: Record<string, string> = {
  base: 'Base: Dense 128 -> 64 -> 32',
  'early-stopping': 'Early stopping (patience 3, best weights restored)',
  'batch-norm': 'Batch normalisation after each hidden Dense',
  dropout: 'Dropout(0.5) after each hidden Dense',
};

async function modelSection(model: ModelResult, test: ImageSet): Promise<Section> {
  return {
    heading: PART2_TITLES[model.name] ?? model.name,
    blocks: [
      paragraph(
        `${model.epochsRun} of ${epochs(model.epochsPlanned)} in ${model.seconds.toFixed(1)} s on ${model.backend}; ${model.params.total.toLocaleString('en-US')} parameters; best epoch ${model.bestEpoch}; test accuracy ${model.test.accuracy.toFixed(4)}.`,
      ),
      { type: 'pre', caption: `Summary: ${model.name}`, text: model.summary },
      ...(await trainedModelBlocks(model, test, `${model.name}: loss and accuracy per epoch`)),
    ],
  };
}

export async function part2Section(result: Part2Result, test: ImageSet): Promise<Section> {
  const sections: Section[] = [];
  for (const model of result.models) sections.push(await modelSection(model, test));
  if (result.models.length > 0) {
    sections.push({
      heading: 'The four compared',
      blocks: [
        { type: 'table', table: modelComparisonTable(result.comparison) },
        paragraph(
          'Gaps are at the final epoch (for early stopping, the last epoch run): validation minus training loss, training minus validation accuracy. Training time is wall-clock time, validation after each epoch included; with two models trained side by side on a shared machine it also reflects the load at the time (see the details of the run at the top).',
        ),
        { type: 'observations', items: result.observations },
      ],
    });
  }
  return {
    heading: 'Part 2: regularisation on the top half',
    blocks: [
      paragraph(
        'All four: the top half, Adam (Keras defaults), batch 32, sparse categorical cross-entropy, softmax output of 10 units; the same seed, so base and early stopping start from the same weights and see the same batches.',
      ),
    ],
    sections,
  };
}
