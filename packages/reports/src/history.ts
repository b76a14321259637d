/**
 * A model's training history, as the CLI's JSON carries it. Both layouts Keras users know are
 * accepted: one record per epoch, or Keras's `history.history` (one array per metric).
 */
import { ReportInputError } from './errors.js';

export interface EpochRecord {
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
}

export interface HistoryColumns {
  loss: readonly number[];
  accuracy: readonly number[];
  val_loss: readonly number[];
  val_accuracy: readonly number[];
}

export type History = readonly EpochRecord[] | HistoryColumns;

/** The history as one record per epoch (epoch i+1 at index i). */
export function historyEpochs(history: History): EpochRecord[] {
  if (Array.isArray(history)) return [...(history as readonly EpochRecord[])];
  const columns = history as HistoryColumns;
  const n = columns.loss.length;
  for (const key of ['accuracy', 'val_loss', 'val_accuracy'] as const) {
    if (columns[key].length !== n) {
      throw new ReportInputError(
        `history: ${key} has ${columns[key].length} epochs but loss has ${n}; pass one value per epoch for each metric.`,
      );
    }
  }
  return columns.loss.map((loss, i) => ({
    loss,
    accuracy: columns.accuracy[i]!,
    val_loss: columns.val_loss[i]!,
    val_accuracy: columns.val_accuracy[i]!,
  }));
}

/** The epoch (1-based) with the lowest validation loss; the first one on a tie, as Keras. */
export function bestEpoch(history: History): number {
  const epochs = historyEpochs(history);
  if (epochs.length === 0) throw new ReportInputError('history is empty; pass at least one epoch.');
  let best = 0;
  epochs.forEach((e, i) => {
    if (e.val_loss < epochs[best]!.val_loss) best = i;
  });
  return best + 1;
}

export interface TrainValidationGap {
  /** The last epoch (1-based) the gap is measured at. */
  epoch: number;
  /** Validation loss minus training loss: positive when the model fits training data better. */
  loss: number;
  /** Training accuracy minus validation accuracy: positive when training accuracy is higher. */
  accuracy: number;
}

/** The gap between training and validation at the final epoch. */
export function trainValidationGap(history: History): TrainValidationGap {
  const epochs = historyEpochs(history);
  const last = epochs.at(-1);
  if (!last) throw new ReportInputError('history is empty; pass at least one epoch.');
  return {
    epoch: epochs.length,
    loss: last.val_loss - last.loss,
    accuracy: last.accuracy - last.val_accuracy,
  };
}
