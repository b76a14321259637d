// `fmnist crosscheck`: the custom engine against the TensorFlow.js reference, on real data,
// for the study's six models (the comparison itself lives in @fmnist/study).
import { featureCache, sliceSet } from '@fmnist/data';
import {
  CROSSCHECK_MODELS,
  type CrosscheckModelName,
  crosscheckEpochLine,
  crosscheckText,
  runCrosscheck,
  studyJobs,
} from '@fmnist/study';
import { Option } from 'commander';
import type { CommandModule } from '../command.js';
import { UsageError } from '../errors.js';
import { customBackend, probeOf, resolveAutoBackend } from '../runtime/backend-env.js';
import { jobsOf, readExperiment, seedFor } from '../study/experiment.js';

export const crosscheckCommand: CommandModule = {
  name: 'crosscheck',
  summary: 'compare the custom engine with TensorFlow.js layer by layer and through training',
  description:
    "For each of the six models of the study, or of the models of an experiment file (--experiment FILE) (top, bottom, base, early-stopping, batch-norm, dropout): both engines start from the same weights; one real batch of 32 is compared layer by layer (outputs in inference and training mode, the gradient dL/dx reaching each layer's input, every weight gradient, BatchNormalization moving statistics); then both train side by side on the same batches in the same order for the study's epochs (Part 1: SGD lr 1e-4, 10; Part 2: Adam, 15; batch 32), with dropout masks shared between them, and each epoch's loss and accuracy of both and their gap are printed. Heavy on a small machine: --limit (which here caps the validation images too) and --epochs make it quick.",
  options: ['json', 'dataDir', 'seed', 'limit', 'epochs'],
  configure(command) {
    command
      .addOption(
        new Option(
          '--experiment <file>',
          "check an experiment file's models instead of the study's (see `fmnist run`)",
        ),
      )
      .addOption(
        new Option(
          '--model <name>',
          `check only this model (the study's: ${CROSSCHECK_MODELS.join(', ')}; or one of the experiment's)`,
        ),
      );
  },
  async run(options, context) {
    // The file and --model are checked before the data is loaded: a mistake costs nothing.
    const file = typeof options.experiment === 'string' ? options.experiment : undefined;
    const experiment = file ? await readExperiment(file) : undefined;
    const jobs =
      experiment && file ? jobsOf(experiment, file, { ...options, model: undefined }) : undefined;
    const known = jobs ? jobs.map((j) => j.name) : CROSSCHECK_MODELS;
    const model = options.model as CrosscheckModelName | undefined;
    if (model !== undefined && !known.includes(model)) {
      throw new UsageError(
        `option '--model <name>' argument '${model}' is invalid. Allowed choices are ${known.join(', ')}.`,
      );
    }
    const data = await context.loadData({ dataDir: options.dataDir, limit: options.limit });
    // Unlike the study's commands, --limit caps the validation images too: here they only
    // compare the engines epoch by epoch, and evaluating 10,000 of them twice per epoch would
    // dominate a quick run.
    const validationSet =
      options.limit !== undefined && options.limit < data.validation.count
        ? sliceSet(data.validation, 0, options.limit)
        : data.validation;
    const dataFor = featureCache({ train: data.train, validation: validationSet });
    // The custom engine as FMNIST_BACKEND asks, else the backend the study trains on (gpu.js
    // in its fastest mode here): the cross-check checks what the study runs.
    // FMNIST_BACKEND=auto measures the first model checked, on its first batch.
    const first = (jobs ?? studyJobs()).find((j) => (model ? j.name === model : true))!;
    const auto = await resolveAutoBackend(
      context.io.env,
      () => probeOf(first, data.train),
      (line) => context.log(line),
    );
    const { backend } = await customBackend(context.io.env, auto);
    const report = await runCrosscheck(dataFor, {
      backend,
      seed: seedFor(options, experiment),
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      ...(jobs ? { jobs } : {}),
      ...(model ? { models: [model] } : {}),
      onProgress: (message) => context.log(message),
      onEpoch: (name, e) => context.log(`${name}: epoch ${e.epoch}: ${crosscheckEpochLine(e)}`),
    }).finally(() => backend.dispose());
    const json = {
      ...(experiment ? { experiment: { file, name: experiment.name } } : {}),
      ...report,
      data: { limit: data.limit ?? null, train: data.train.count, validation: validationSet.count },
    };
    return {
      json,
      text: crosscheckText(report),
      ...(report.ok
        ? {}
        : {
            failedCheck: report.models.some((m) => !m.batch.ok)
              ? 'the engines disagree beyond the tolerances of packages/tf/src/tolerances.ts on a real batch (marked DIFFERS above). This is a bug in one of them: please report it with the command you ran'
              : 'the engines trained apart beyond what rounding and two equally valid runs explain (marked DIFFERS above; bounds in TRAINING_AGREEMENT, packages/study/src/crosscheck.ts). This is a bug in one of them: please report it with the command you ran',
          }),
    };
  },
};
