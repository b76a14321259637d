// `fmnist predict`: a saved model (TF.js Layers format, from `--save-models` or TF.js's own
// model.save) predicts Fashion-MNIST images: IDX files or 28x28 grayscale PNGs, else the test set.

import { readFile, stat } from 'node:fs/promises';
import {
  CLASS_NAMES,
  CROPS,
  cropInputShape,
  cropWindow,
  describeCrop,
  type ImageCrop,
  type ImageSet,
  isGzip,
  type NamedCrop,
} from '@fmnist/data';
import { decodeIdxImages, features } from '@fmnist/data/node';
import { type DecodedModel, ModelFileError, Sequential } from '@fmnist/nn';
import { readModelFolder } from '@fmnist/nn/node';
import {
  classificationMetrics,
  classificationReport,
  confusionMatrixTable,
  renderTableText,
} from '@fmnist/reports';
import { Option } from 'commander';
import { decode as decodePng } from 'fast-png';
import type { CommandModule, CommandOptions } from '../command.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { customBackendFromEnv } from '../runtime/backend-env.js';

const VARIANTS = CROPS;
/**
 * Inference batch: the study's training batch (@fmnist/study's BATCH_SIZE, not imported: that
 * entry loads TensorFlow.js), so gpu.js reuses the kernels as the study does.
 */
const BATCH_SIZE = 32;
type Variant = NamedCrop;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const predictCommand: CommandModule = {
  name: 'predict',
  summary: 'predict Fashion-MNIST images with a saved model (TF.js Layers format)',
  description:
    'Loads a model saved by `fmnist study|part1|part2 --save-models` (<out>/models/<name>/) or by TensorFlow.js (model.json and its weights, a Sequential of Flatten, Dense, BatchNormalization and Dropout) and predicts: the images of IDX files (gzipped or not) or 28x28 grayscale PNGs given with --images, printing each one\'s class, its probability and the top three; without --images, the 10,000 test images, with the classification report. The half a 14x28 model sees is read from its model.json when this tool saved it, else --variant top|bottom|left|right says. --json prints { "model": ..., "predictions": [...] } (or the test metrics).',
  options: ['json', 'dataDir'],
  configure: (command) =>
    command
      .addOption(
        new Option(
          '--model <dir>',
          'folder of the saved model (holding model.json)',
        ).makeOptionMandatory(),
      )
      .addOption(
        new Option(
          '--images <file...>',
          'IDX images files (gzipped or not) or 28x28 grayscale PNG files; default: the test set',
        ),
      )
      .addOption(
        new Option(
          '--variant <crop>',
          'the part of the image the model takes: full (28x28), top or bottom (14x28), left or right (28x14)',
        ).choices(VARIANTS),
      ),
  run: (options, context) => predict(options, context),
};

interface Prediction {
  source: string;
  /** Index of the image in its file (0 for a PNG). */
  index: number;
  class: number;
  className: string;
  probability: number;
  top3: { class: number; className: string; probability: number }[];
  probabilities: number[];
}

async function predict(options: CommandOptions, context: CommandContext) {
  const modelDir = options.model as string;
  const images = (options.images as string[] | undefined) ?? [];
  const decoded = await readModelFolder(modelDir);
  const variant = variantOf(decoded, options.variant as Variant | undefined, modelDir);
  // Everything is read and checked before the engine starts.
  const sets = [] as { source: string; set: ImageSet }[];
  for (const file of images) sets.push({ source: file, set: await readImages(file) });

  const { backend, selection } = await customBackendFromEnv(context.io.env);
  const model = new Sequential(decoded.spec, { backend });
  try {
    model.setWeights(decoded.weights);
    const described = {
      path: modelDir,
      name: decoded.spec.name,
      inputShape: decoded.spec.inputShape,
      variant,
      generatedBy: decoded.generatedBy,
      backend: selection.chosen,
    };
    context.log(
      `Model ${decoded.spec.name} from ${modelDir} (input ${decoded.spec.inputShape.join('x')}, ${variant === 'full' ? 'the whole image' : describeCrop(variant)}), on ${selection.chosen}.`,
    );
    if (sets.length === 0) {
      const data = await context.loadData({ dataDir: options.dataDir });
      const predicted = model.predictClasses(features(data.test, variant).x, {
        batchSize: BATCH_SIZE,
      });
      const metrics = classificationMetrics(data.test.labels, predicted, CLASS_NAMES);
      const report = classificationReport(metrics);
      return {
        json: {
          model: described,
          test: {
            samples: metrics.n,
            correct: metrics.correct,
            accuracy: metrics.accuracy,
            macroAvg: metrics.macroAvg,
            weightedAvg: metrics.weightedAvg,
            classes: metrics.classes,
            confusionMatrix: metrics.confusionMatrix,
            report,
            predictions: Array.from(predicted),
          },
        },
        text: `Test set: ${metrics.correct.toLocaleString('en-US')} of ${metrics.n.toLocaleString('en-US')} images correct, accuracy ${metrics.accuracy.toFixed(4)}\n\n${report}\n${renderTableText(confusionMatrixTable(CLASS_NAMES, metrics.confusionMatrix))}\n`,
      };
    }
    const predictions: Prediction[] = [];
    for (const { source, set } of sets) {
      const probabilities = run(model, set, variant);
      for (let i = 0; i < set.count; i++) {
        predictions.push(describe(source, i, probabilities.subarray(i * 10, i * 10 + 10)));
      }
    }
    const lines = predictions.map((p) => {
      const where =
        sets.find((s) => s.source === p.source)!.set.count > 1
          ? `${p.source}[${p.index}]`
          : p.source;
      const top = p.top3.map((t) => `${t.className} ${t.probability.toFixed(3)}`).join(', ');
      return `${where}: ${p.className} (${p.probability.toFixed(3)}); top 3: ${top}`;
    });
    return { json: { model: described, predictions }, text: `${lines.join('\n')}\n` };
  } finally {
    model.dispose();
    backend.dispose();
  }
}

/** The crop the model takes: from --variant, else this tool's metadata, else the input shape. */
function variantOf(decoded: DecodedModel, option: Variant | undefined, dir: string): ImageCrop {
  const size = decoded.spec.inputShape.reduce((a, b) => a * b, 1);
  const shape = decoded.spec.inputShape.join('x');
  const saved = (decoded.metadata?.fmnist as { crop?: unknown } | undefined)?.crop;
  const fits = (crop: ImageCrop) => {
    const [rows, cols] = cropInputShape(crop);
    return decoded.spec.inputShape.length === 1
      ? rows * cols === size
      : shape === `${rows}x${cols}`;
  };
  const fitting = CROPS.filter((crop) => fits(crop));
  const pass = fitting.map((crop) => `--variant ${crop}`).join(' or ');
  if (size === 28 * 28) {
    if (option !== undefined && option !== 'full') {
      throw new UsageError(
        `--variant ${option} does not fit the model in ${dir}: it takes whole ${shape} images. Leave --variant out or pass --variant full`,
      );
    }
    return 'full';
  }
  if (option !== undefined) {
    if (fits(option)) return option;
    throw new UsageError(
      `--variant ${option} does not fit the model in ${dir}: it takes ${shape} ${size === 14 * 28 ? 'halves' : 'inputs'}.${fitting.length > 0 ? ` Pass ${pass}` : ''}`,
    );
  }
  // This tool's own metadata: any crop an experiment gave it (a window too), when it fits.
  const crop = savedCrop(saved);
  if (crop && fits(crop)) return crop;
  if (fitting.length > 0) {
    throw new UsageError(
      `The model in ${dir} takes ${shape} ${size === 14 * 28 ? 'halves' : 'inputs'} and its model.json does not say which. Pass ${pass}`,
    );
  }
  throw new ModelFileError(
    `${dir}: the model takes inputs of shape [${decoded.spec.inputShape.join(', ')}] and its model.json does not say which part of the image; predict feeds Fashion-MNIST images (28x28, 14x28 or 28x14 halves, or the window an experiment saved)`,
  );
}

/** A crop as `--save-models` writes it into model.json, if it is one. */
function savedCrop(value: unknown): ImageCrop | undefined {
  if (typeof value === 'string')
    return (CROPS as readonly string[]).includes(value) ? (value as NamedCrop) : undefined;
  if (value && typeof value === 'object') {
    const { rows, cols } = value as { rows?: unknown; cols?: unknown };
    const pair = (v: unknown): v is [number, number] =>
      Array.isArray(v) && v.length === 2 && v.every(Number.isInteger);
    if (pair(rows) && pair(cols)) {
      try {
        return cropWindow({ rows, cols }, 28, 28);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Reads an IDX images file (gzipped or not) or a 28x28 grayscale PNG, with one line if bad. */
async function readImages(file: string): Promise<ImageSet> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      error.code === 'ENOENT'
        ? `--images ${file} does not exist. Pass IDX images files or 28x28 grayscale PNGs`
        : `--images ${file} cannot be read (${error.code}). Check its permissions`,
    );
  });
  if (!info.isFile()) {
    throw new UsageError(`--images ${file} is not a file. Pass IDX images files or PNGs`);
  }
  const bytes = new Uint8Array(
    await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        `--images ${file} cannot be read (${error.code}). Check its permissions`,
      );
    }),
  );
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return pngImage(file, bytes);
  const looksIdx = isGzip(bytes) || (bytes.length >= 4 && bytes[2] === 0x08 && bytes[3] === 0x03);
  if (!looksIdx) {
    throw new UsageError(
      `--images ${file} is neither a PNG nor an IDX images file (gzipped or not). Pass 28x28 grayscale PNGs or an IDX file such as t10k-images-idx3-ubyte.gz`,
    );
  }
  const idx = await decodeIdxImages(
    bytes,
    { file, fix: `Pass an IDX images file of 28x28 images, such as t10k-images-idx3-ubyte.gz` },
    { rows: 28, cols: 28 },
  );
  return { ...idx, labels: new Uint8Array(idx.count) };
}

/**
 * A PNG's header (IHDR, always the first chunk): its size and kind, read before anything is
 * inflated, so that a small file declaring 30000x30000 pixels is refused without decoding it.
 */
function pngHeader(
  bytes: Uint8Array,
): { width: number; height: number; depth: number; colorType: number } | undefined {
  if (bytes.length < 33) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== 'IHDR') return undefined;
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    depth: bytes[24]!,
    colorType: bytes[25]!,
  };
}

/** The bytes of a PNG's image data chunks (IDAT) together, walking the chunk lengths. */
function pngDataBytes(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let total = 0;
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    if (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === 'IDAT') total += length;
    at += 12 + length;
  }
  return total;
}

/**
 * A 28x28 8-bit grayscale image is 812 bytes before compression (a filter byte per row), which
 * deflate never makes much larger: more image data than this is a decompression bomb.
 */
const MAX_PNG_DATA_BYTES = 4096;

function pngImage(file: string, bytes: Uint8Array): ImageSet {
  const header = pngHeader(bytes);
  if (header === undefined) {
    throw new UsageError(`--images ${file} is a damaged PNG (no IHDR header). Export it again`);
  }
  const kinds: Record<number, string | undefined> = {
    0: undefined,
    2: 'an RGB image',
    3: 'a palette (indexed-colour) image',
    4: 'grayscale with alpha',
    6: 'an RGBA image',
  };
  const kind =
    header.colorType in kinds ? kinds[header.colorType] : `colour type ${header.colorType}`;
  if (header.width !== 28 || header.height !== 28 || kind !== undefined || header.depth !== 8) {
    const what = [
      header.width !== 28 || header.height !== 28 ? `${header.width}x${header.height}` : undefined,
      kind,
      header.depth !== 8 ? `${header.depth}-bit` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    throw new UsageError(
      `--images ${file} is ${what}; predict takes 28x28 8-bit grayscale PNGs, as Fashion-MNIST's images are. Convert it first (e.g. ImageMagick: magick ${file} -resize 28x28! -colorspace Gray -depth 8 out.png)`,
    );
  }
  const data = pngDataBytes(bytes);
  if (data > MAX_PNG_DATA_BYTES) {
    throw new UsageError(
      `--images ${file} holds ${data} bytes of image data, more than a 28x28 grayscale image can compress to (a decompression bomb?). Export it again`,
    );
  }
  let png: ReturnType<typeof decodePng>;
  try {
    png = decodePng(bytes);
  } catch (error) {
    throw new UsageError(
      `--images ${file} is a damaged PNG (${(error as Error).message}). Export it again`,
    );
  }
  if (png.width !== 28 || png.height !== 28 || png.channels !== 1 || png.depth !== 8) {
    throw new UsageError(
      `--images ${file} is a damaged PNG (its header and data disagree). Export it again`,
    );
  }
  return {
    count: 1,
    rows: 28,
    cols: 28,
    pixels: new Uint8Array(png.data as Uint8Array),
    labels: new Uint8Array(1),
  };
}

function run(model: Sequential, set: ImageSet, variant: ImageCrop): Float32Array {
  return model.predict(features(set, variant).x, { batchSize: BATCH_SIZE });
}

function describe(source: string, index: number, p: Float32Array): Prediction {
  const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
  const entry = (c: number) => ({
    class: c,
    className: CLASS_NAMES[c]!,
    probability: p[c]!,
  });
  return {
    source,
    index,
    ...entry(order[0]!),
    top3: order.slice(0, 3).map(entry),
    probabilities: Array.from(p),
  };
}
