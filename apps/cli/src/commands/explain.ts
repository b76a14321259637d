// `fmnist explain`: one training step of one of the study's models, layer by layer.
import {
  DEFAULT_EXPLAIN_MODEL,
  EXPLAIN_MODELS,
  EXTRA_SECTIONS,
  type ExplainModelName,
  explainModel,
  explainText,
  GRADIENT_CHECK,
  studyJobs,
} from '@fmnist/study';
import { writeExplanationPage } from '@fmnist/study/report';
import { kerasLayerNames } from '@fmnist/tf';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CommandModule } from '../command.js';
import { UsageError } from '../errors.js';
import { claimOutFolder } from '../out-folder.js';
import { jobsOf, readExperiment, seedFor } from '../study/experiment.js';

export const DEFAULT_EXPLAIN_BATCH = 32;
export const DEFAULT_EXPLAIN_HTML_DIR = 'fmnist-explain';

function batchSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 1024) {
    throw new InvalidArgumentError('It must be a whole number from 1 to 1024 (the batch size).');
  }
  return n;
}

export const explainCommand: CommandModule = {
  name: 'explain',
  summary: 'how each layer works inside: one real batch forward and backward, checked',
  description: [
    "Walks one real mini-batch (the first N training images, cropped as the model needs) through one of the study's models (or of an experiment file's, with --experiment FILE), layer by layer: what each layer computes (quoted from its source file), its input and output shapes, a few values and statistics, the gradient flowing back, each weight's gradient against a float64 central finite difference, and the same numbers from the TensorFlow.js reference with the same weights; then one optimizer step (SGD or Adam) entry by entry.",
    '',
    `The default model is ${DEFAULT_EXPLAIN_MODEL}: it has the most inside to show (Dense layers, batch normalisation and its batch statistics, the softmax output, Adam's moments). top and bottom show SGD; dropout shows a dropout mask.`,
    `Finite differences: relative error |analytic − numeric| / max(|analytic|, |numeric|, ${GRADIENT_CHECK.floor}), bound ${GRADIENT_CHECK.bound} (h = ${GRADIENT_CHECK.step}, float64; see docs/how-it-works.md).`,
  ].join('\n'),
  options: ['json', 'seed', 'dataDir'],
  configure(command: Command) {
    command
      .addOption(
        new Option(
          '--model <name>',
          `which model to explain: the study's (${EXPLAIN_MODELS.join(', ')}; default ${DEFAULT_EXPLAIN_MODEL}) or, with --experiment, one of the file's (default its first)`,
        ),
      )
      .addOption(
        new Option(
          '--experiment <file>',
          "explain a model of an experiment file instead of the study's (see `fmnist run`)",
        ),
      )
      .addOption(
        new Option(
          '--layer <name>',
          `show only this layer (its Keras name, e.g. dense_1), or ${EXTRA_SECTIONS.join(' or ')}`,
        ),
      )
      .addOption(
        new Option('--batch <n>', 'images in the mini-batch')
          .argParser(batchSize)
          .default(DEFAULT_EXPLAIN_BATCH),
      )
      .addOption(
        new Option(
          '--html [dir]',
          `also write the explanation as a page with figures, in <dir>/<model>/report.html (default dir: ${DEFAULT_EXPLAIN_HTML_DIR})`,
        ),
      )
      .addOption(new Option('--no-reference', 'skip the TensorFlow.js reference (faster)'));
  },
  async run(options, context) {
    // The file and --model are checked before the data is loaded: a mistake costs nothing.
    const file = typeof options.experiment === 'string' ? options.experiment : undefined;
    const experiment = file ? await readExperiment(file) : undefined;
    const jobs = experiment && file ? jobsOf(experiment, file, { model: undefined }) : studyJobs();
    const model =
      (options.model as ExplainModelName | undefined) ??
      (experiment ? jobs[0]!.name : DEFAULT_EXPLAIN_MODEL);
    const job = jobs.find((j) => j.name === model);
    if (!job) {
      throw new UsageError(
        `option '--model <name>' argument '${model}' is invalid. Allowed choices are ${jobs.map((j) => j.name).join(', ')}.`,
      );
    }
    const only = options.layer as string | undefined;
    if (only !== undefined) {
      const spec = job.spec;
      const names = [...kerasLayerNames(spec), ...EXTRA_SECTIONS];
      if (!names.includes(only)) {
        throw new UsageError(
          `Model ${model} has no layer '${only}'; use one of ${names.join(', ')}`,
        );
      }
    }
    const htmlDir =
      options.html === undefined
        ? undefined
        : `${typeof options.html === 'string' ? options.html : DEFAULT_EXPLAIN_HTML_DIR}/${model}`;
    // Claimed before the work, as --out is: a folder that cannot take the page is found now.
    const folder =
      htmlDir === undefined
        ? undefined
        : await claimOutFolder(htmlDir, {
            command: `fmnist explain${file ? ` --experiment ${file}` : ''} --model ${model}`,
            expectedBytes: 2 ** 21,
            dataDir: options.dataDir,
            context,
            label: `--html ${htmlDir}`,
          });
    const data = await context.loadData({ dataDir: options.dataDir }).catch(async (error) => {
      await folder?.release();
      throw error;
    });
    const explanation = await explainModel({
      model,
      ...(experiment ? { job } : {}),
      data,
      seed: seedFor(options, experiment),
      batchSize: options.batch as number,
      reference: options.reference !== false,
      onProgress: context.log,
    }).catch(async (error) => {
      await folder?.release();
      throw error;
    });
    const result = explanation.result;
    let html: string | null = null;
    if (folder !== undefined) {
      html = await writeExplanationPage(explanation, folder);
      context.log(`wrote ${html}`);
    }
    const shown = only
      ? { ...result, layers: result.layers.filter((l) => l.name === only) }
      : result;
    const failed = [
      result.gradientCheck.ok ? null : 'a finite-difference check is above its bound',
      result.referenceOk === false ? 'a TensorFlow.js difference is outside its tolerance' : null,
    ].filter((f): f is string => f !== null);
    return {
      json: { ...shown, ...(only ? { layer: only } : {}), html },
      text: explainText(result, only) + (html ? `\nPage: ${html}\n` : ''),
      ...(failed.length > 0
        ? {
            failedCheck: `explain's checks failed for ${model}: ${failed.join('; ')} (see above). This is an engine bug: please report it with the command you ran`,
          }
        : {}),
    };
  },
};
