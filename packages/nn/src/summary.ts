/**
 * Model summaries in the layout Keras 3 prints (keras/src/utils/summary_utils.py, rendered by
 * `rich` without colour): the model name, a heavy-headed box table of Layer (type) /
 * Output Shape / Param #, then the totals with their size in bytes.
 *
 * Keras asks rich for a table `lineLength` wide (88 by default) with columns at 45 % / 80 % /
 * 100 % of it; rich then adds one space of padding each side of every cell and four border
 * characters, finds the table too wide, and takes the excess back from the columns evenly.
 * `columnWidths` reproduces that arithmetic so the text matches to the character.
 */

export interface SummaryRow {
  /** `dense_1 (Dense)`. */
  layer: string;
  /** `(None, 128)`. */
  outputShape: string;
  params: number;
}

export interface SummaryInput {
  name: string;
  rows: SummaryRow[];
  trainable: number;
  nonTrainable: number;
  /** Optimizer variables, shown by Keras only once the optimizer is built (after training). */
  optimizer?: number;
  /** Bytes per parameter: 4 for float32. */
  bytesPerParam?: number;
}

/** Python's round(): halves go to the even neighbour. rich's ratio_reduce relies on it. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Widths of the three columns' content (padding excluded), as rich renders them. */
export function columnWidths(lineLength = 88, positions = [0.45, 0.8, 1.0]): number[] {
  const requested: number[] = [];
  let current = 0;
  for (const p of positions) {
    const w = Math.floor(p * lineLength) - current;
    requested.push(w);
    current += w;
  }
  // rich: each column takes width + 2 of padding; the table's content area is lineLength minus
  // its borders (one per column plus one); any excess is taken back evenly (ratio_reduce).
  const padded = requested.map((w) => w + 2);
  const maxWidth = lineLength - (positions.length + 1);
  let excess = padded.reduce((a, b) => a + b, 0) - maxWidth;
  if (excess > 0) {
    let ratioLeft = padded.length;
    for (let i = 0; i < padded.length; i++) {
      const take = Math.min(padded[i]!, roundHalfEven(excess / ratioLeft));
      padded[i] = padded[i]! - take;
      excess -= take;
      ratioLeft--;
    }
  }
  return padded.map((w) => w - 2);
}

/** Keras's readable_memory_size: bytes scaled by 1024 with two decimals. */
export function readableMemorySize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  for (const unit of units) {
    if (size / 1024 < 1) return `${size.toFixed(2)} ${unit}`;
    size /= 1024;
  }
  return `${size.toFixed(2)} PB`;
}

/** 59210 -> "59,210", as Python's f"{n:,}". */
export function withThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Wraps a cell's text to its column as rich does: at spaces, and a word longer than the column
 * is folded across lines. `batch_normalization (BatchNormalization)` takes two lines.
 */
export function wrapCell(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(' ')) {
    if (line && line.length + 1 + word.length <= width) {
      line += ` ${word}`;
      continue;
    }
    if (line) lines.push(line);
    while (word.length > width) {
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    line = word;
  }
  lines.push(line);
  return lines;
}

export function formatSummary(input: SummaryInput, lineLength = 88): string {
  const widths = columnWidths(lineLength);
  const bar = (ch: string) => widths.map((w) => ch.repeat(w + 2));
  // One table row; a cell that wraps makes the row several lines tall (the others blank).
  const row = (cells: string[], v: string): string[] => {
    const wrapped = cells.map((c, i) => wrapCell(c, widths[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    const out: string[] = [];
    for (let h = 0; h < height; h++) {
      const parts = wrapped.map((w, i) => {
        const t = w[h] ?? '';
        return ` ${i === 2 ? t.padStart(widths[i]!) : t.padEnd(widths[i]!)} `;
      });
      out.push(`${v}${parts.join(v)}${v}`);
    }
    return out;
  };
  const lines = [`Model: "${input.name}"`];
  lines.push(`┏${bar('━').join('┳')}┓`);
  lines.push(...row(['Layer (type)', 'Output Shape', 'Param #'], '┃'));
  lines.push(`┡${bar('━').join('╇')}┩`);
  input.rows.forEach((r, i) => {
    if (i > 0) lines.push(`├${bar('─').join('┼')}┤`);
    lines.push(...row([r.layer, r.outputShape, withThousands(r.params)], '│'));
  });
  lines.push(`└${bar('─').join('┴')}┘`);
  const bytes = input.bytesPerParam ?? 4;
  const optimizer = input.optimizer ?? 0;
  const total = input.trainable + input.nonTrainable + optimizer;
  // Keras's iteration counter is an int64: 4 bytes more than a float32 parameter.
  const optimizerBytes = optimizer > 0 ? optimizer * bytes + 4 : 0;
  const line = (label: string, n: number, size = n * bytes) =>
    ` ${label}: ${withThousands(n)} (${readableMemorySize(size)})`;
  const trainableBytes = input.trainable * bytes;
  const nonTrainableBytes = input.nonTrainable * bytes;
  lines.push(line('Total params', total, trainableBytes + nonTrainableBytes + optimizerBytes));
  lines.push(line('Trainable params', input.trainable));
  lines.push(line('Non-trainable params', input.nonTrainable));
  if (optimizer > 0) lines.push(line('Optimizer params', optimizer, optimizerBytes));
  return `${lines.join('\n')}\n`;
}
