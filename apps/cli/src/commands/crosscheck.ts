// `fmnist crosscheck`: the custom engine against the TensorFlow.js reference, on real data,
// for the study's six models (the comparison itself lives in @fmnist/study).
import { cropKey, describeCrop, features, sliceSet } from '@fmnist/data';
import {
  CROSSCHECK_MODELS,
  type Crop,
  type CrosscheckData,
  type CrosscheckModelName,
  type CrosscheckReport,
  type EpochComparison,
  type ModelCrosscheck,
  runCrosscheck,
  SEPARATION_THRESHOLD,
} from '@fmnist/study';
import { Option } from 'commander';
import type { CommandModule } from '../command.js';
import { UsageError } from '../errors.js';
import { indent, table } from '../render/table.js';
import { customBackendFromEnv } from '../runtime/backend-env.js';
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
    const cache = new Map<string, CrosscheckData>();
    const dataFor = (crop: Crop): CrosscheckData => {
      let found = cache.get(cropKey(crop));
      if (!found) {
        const train = features(data.train, crop);
        const validation = features(validationSet, crop);
        found = {
          train: { x: train.x, y: train.y },
          validation: { x: validation.x, y: validation.y },
        };
        cache.set(cropKey(crop), found);
      }
      return found;
    };
    // The custom engine as FMNIST_BACKEND asks, else the backend the study trains on (gpu.js
    // in its fastest mode here): the cross-check checks what the study runs.
    const { backend } = await customBackendFromEnv(context.io.env);
    const report = await runCrosscheck(dataFor, {
      backend,
      seed: seedFor(options, experiment),
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      ...(jobs ? { jobs } : {}),
      ...(model ? { models: [model] } : {}),
      onProgress: (message) => context.log(message),
      onEpoch: (name, e) => context.log(`${name}: epoch ${e.epoch}: ${epochLine(e)}`),
    }).finally(() => backend.dispose());
    const json = {
      ...(experiment ? { experiment: { file, name: experiment.name } } : {}),
      ...report,
      data: { limit: data.limit ?? null, train: data.train.count, validation: validationSet.count },
    };
    return {
      json,
      text: formatReport(report),
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

const exp = (x: number) => x.toExponential(2);
const fixed = (x: number, digits = 4) => x.toFixed(digits);
const signed = (x: number, digits = 4) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
/** A gap between the engines: usually ~1e-7, so in exponent form, and a plain 0 when equal. */
const gap = (x: number) => (x === 0 ? '0' : `${x > 0 ? '+' : ''}${x.toExponential(1)}`);

function epochLine(e: EpochComparison): string {
  return (
    `loss ${fixed(e.custom.loss)} / ${fixed(e.tf.loss)}, accuracy ${fixed(e.custom.accuracy)} / ` +
    `${fixed(e.tf.accuracy)}, val_loss ${fixed(e.custom.val_loss)} / ${fixed(e.tf.val_loss)}, ` +
    `val_accuracy ${fixed(e.custom.val_accuracy)} / ${fixed(e.tf.val_accuracy)} (custom / tf)`
  );
}

function layerTable(m: ModelCrosscheck): string {
  const rows: string[][] = [];
  for (const l of m.batch.layers) {
    const gradients = l.gradients.length > 0 ? l.gradients : [undefined];
    gradients.forEach((g, i) => {
      rows.push([
        i === 0 ? `${l.layer} (${l.className})` : '',
        i === 0 ? exp(l.inference.maxAbs) : '',
        i === 0 ? exp(l.inference.maxRel) : '',
        i === 0 ? exp(l.training.maxAbs) : '',
        i === 0 ? exp(l.training.maxRel) : '',
        i === 0 ? exp(l.inputGradient.maxAbs) : '',
        i === 0 ? exp(l.inputGradient.maxRel) : '',
        g ? (g.weight.split('/')[1] ?? '') : '',
        g ? exp(g.maxAbs) : '',
        g ? exp(g.maxRel) : '',
        i === 0 &&
        l.inference.ok &&
        l.training.ok &&
        l.inputGradient.ok &&
        l.gradients.every((x) => x.ok)
          ? 'ok'
          : i === 0
            ? 'DIFFERS'
            : '',
      ]);
    });
  }
  return table(
    [
      'Layer',
      'Out inf |Δ|',
      'rel',
      'Out train |Δ|',
      'rel',
      'dL/dx |Δ|',
      'rel',
      'Weight',
      'Grad |Δ|',
      'rel',
      '',
    ],
    rows,
  );
}

function epochTable(m: ModelCrosscheck): string {
  return table(
    [
      'Epoch',
      'Loss custom',
      'tf',
      'gap',
      'Acc custom',
      'tf',
      'gap',
      'Val loss custom',
      'tf',
      'gap',
      'Val acc custom',
      'tf',
      'gap',
      'max |Δw|',
      'clipped',
    ],
    m.training.map((e) => [
      String(e.epoch),
      fixed(e.custom.loss),
      fixed(e.tf.loss),
      gap(e.gap.loss),
      fixed(e.custom.accuracy),
      fixed(e.tf.accuracy),
      gap(e.gap.accuracy),
      fixed(e.custom.val_loss),
      fixed(e.tf.val_loss),
      gap(e.gap.val_loss),
      fixed(e.custom.val_accuracy),
      fixed(e.tf.val_accuracy),
      gap(e.gap.val_accuracy),
      exp(e.maxWeightDifference),
      String(e.clippedLabels),
    ]),
  );
}

export function formatReport(report: CrosscheckReport): string {
  const out: string[] = [
    `Cross-check: custom engine (backend ${report.engines.custom.backend}) vs TensorFlow.js (backend ${report.engines.tf.name})`,
    `Seed ${report.settings.seed}, batch ${report.settings.batchSize}; dropout masks shared between the engines; Adam as Keras 3 updates it.`,
    "Differences are max |custom − tf| and that divided by the larger array's largest magnitude.",
    '',
  ];
  for (const m of report.models) {
    const seen =
      typeof m.crop === 'string' && m.crop !== 'full' ? `${m.crop} half` : describeCrop(m.crop);
    out.push(`== ${m.name} (${seen}; ${m.optimizerReference}) ==`);
    out.push(`One real batch of ${m.batch.batchSize}, layer by layer:`);
    out.push(indent(layerTable(m)));
    const largest = m.batch.largestGradientDifference;
    out.push(
      `  Loss: custom ${m.batch.loss.custom.toFixed(7)}, tf ${m.batch.loss.tf.toFixed(7)}, |Δ| ${exp(m.batch.loss.difference)}. ` +
        `Largest gradient difference: ${largest.weight} ${exp(largest.maxAbs)} (relative ${exp(largest.maxRel)}).`,
    );
    for (const s of m.batch.movingStats) {
      out.push(
        `  ${s.weight} after the training pass: |Δ| ${exp(s.maxAbs)}${s.ok ? '' : ' DIFFERS'}`,
      );
    }
    if (m.training.length > 0) {
      // 'clipped': samples whose label probability fell under 1e-7 in tfjs (see @fmnist/tf's README).
      out.push(
        `Trained side by side from the same weights on the same batches, ${m.epochs} epoch(s):`,
      );
      out.push(indent(epochTable(m)));
      const last = m.finalAccuracyGap;
      if (last) {
        out.push(
          `  End of training, accuracy gap (tf − custom): training ${signed(last.accuracy)}, validation ${signed(last.val_accuracy)}.`,
        );
      }
      out.push(
        m.separatedAtEpoch === null
          ? `  The weights stayed within ${exp(SEPARATION_THRESHOLD)} of each other throughout.`
          : `  The trajectories separated in epoch ${m.separatedAtEpoch} (some weight differs by more than ${exp(SEPARATION_THRESHOLD)}): ` +
              'typically a ReLU unit on the edge of zero flips in one engine and Adam turns the tiny gradient difference into lr-sized steps; from there on compare accuracies, not weights.',
      );
      if (m.earlyStopping) {
        const { custom, tf } = m.earlyStopping;
        out.push(
          `  Early stopping (val_loss, patience 3) would restore epoch ${custom.bestEpoch} after ${custom.epochsRun} epochs (custom) and epoch ${tf.bestEpoch} after ${tf.epochsRun} (tf).`,
        );
      }
      const verdict = m.trainingVerdict;
      if (verdict.ok) {
        out.push(
          '  Training agrees: losses to rounding while the weights are together, final accuracies within what two equally valid runs differ by.',
        );
      } else {
        for (const problem of verdict.problems) out.push(`  DIFFERS: ${problem}`);
      }
    }
    out.push('');
  }
  out.push(
    report.ok
      ? 'All layer-by-layer comparisons are within tolerance (packages/tf/src/tolerances.ts), and the side-by-side training agrees (TRAINING_AGREEMENT).'
      : 'Some comparisons are OUTSIDE tolerance (marked DIFFERS above).',
  );
  return `${out.join('\n')}\n`;
}
