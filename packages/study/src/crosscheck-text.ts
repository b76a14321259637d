/**
 * The cross-check as text: one table per model of its layer-by-layer comparison on a real
 * batch, one of its side-by-side training, and what they mean. `fmnist crosscheck` prints it;
 * the report (results.json) keeps the numbers it is made of.
 */
import { describeCrop } from '@fmnist/data';
import { indent, textTable } from '@fmnist/reports';
import {
  type CrosscheckReport,
  type EpochComparison,
  type ModelCrosscheck,
  SEPARATION_THRESHOLD,
} from './crosscheck.js';

const exp = (x: number) => x.toExponential(2);
const fixed = (x: number, digits = 4) => x.toFixed(digits);
const signed = (x: number, digits = 4) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
/** A gap between the engines: usually ~1e-7, so in exponent form, and a plain 0 when equal. */
const gap = (x: number) => (x === 0 ? '0' : `${x > 0 ? '+' : ''}${x.toExponential(1)}`);

export function crosscheckEpochLine(e: EpochComparison): string {
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
  return textTable(
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
  return textTable(
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

export function crosscheckText(report: CrosscheckReport): string {
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
