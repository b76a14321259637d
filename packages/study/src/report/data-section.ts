/**
 * The report's data section (Part 1, steps 1-5) with its figures: the class distribution as
 * grouped bars, the first training image before and after scaling, the halves of the first
 * training and test images, and the first 20 training images as 4x5 grids (original, top,
 * bottom). Used by `fmnist data` and `fmnist study`.
 */
import {
  CLASS_NAMES,
  crop,
  type FashionMnist,
  features,
  imageAt,
  SPLIT_NAMES,
  type SplitName,
  sliceSet,
} from '@fmnist/data';
import {
  classDistributionChart,
  classDistributionTable,
  type FigureBlock,
  imageGrid,
  imagePair,
  type Section,
} from '@fmnist/reports';
import type { DataStepsJson } from './data-steps.js';
import { figure, figureFiles, paragraph, simpleTable, tableBlock } from './figures.js';

const SPLIT_TITLES: Record<SplitName, string> = {
  train: 'Training',
  validation: 'Validation',
  test: 'Test',
};

const shape = (dims: readonly number[]) =>
  dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;

export interface DataSection {
  section: Section;
  /** Every figure file of the section, relative to the report folder. */
  figures: string[];
}

const GRID_IMAGES = 20;

export async function dataSection(data: FashionMnist, json: DataStepsJson): Promise<DataSection> {
  const first = imageAt(data.train, 0);
  const firstScaled = features(sliceSet(data.train, 0, 1), 'full').x;
  const half = (split: SplitName, which: 'top' | 'bottom') => ({
    pixels: crop(sliceSet(data[split], 0, 1), which).pixels,
    height: 14,
    width: 28,
  });
  const label = (split: SplitName, i: number) => CLASS_NAMES[data[split].labels[i]!]!;
  const count = Math.min(GRID_IMAGES, data.train.count);
  const grid = (which: 'full' | 'top' | 'bottom', title: string) =>
    imageGrid(
      Array.from({ length: count }, (_, i) => {
        const one = sliceSet(data.train, i, i + 1);
        const pixels = which === 'full' ? one.pixels : crop(one, which).pixels;
        return {
          image: { pixels, height: which === 'full' ? 28 : 14, width: 28 },
          caption: label('train', i),
        };
      }),
      { cols: 5, scale: 3, title },
    );

  const limited =
    json.limit === null ? '' : ` Training is cut to its first ${json.limit} images (--limit).`;
  const figures: FigureBlock[] = [];
  const add = (block: FigureBlock) => {
    figures.push(block);
    return block;
  };
  const section: Section = {
    heading: 'Data',
    blocks: [
      paragraph(
        `Fashion-MNIST from ${json.source.dir}. Training is the first 50,000 images of the official training file, validation the last 10,000, test the official 10,000.${limited}`,
      ),
    ],
    sections: [
      {
        heading: 'Load and split',
        blocks: [
          tableBlock(
            simpleTable(
              'Shapes of X and y',
              ['Split', 'X', 'y'],
              SPLIT_NAMES.map((s) => [
                SPLIT_TITLES[s],
                shape(json.shapes[s].x),
                shape(json.shapes[s].y),
              ]),
            ),
          ),
        ],
      },
      {
        heading: 'Class distribution',
        blocks: [
          tableBlock(classDistributionTable(json.classDistribution)),
          add(
            figure(
              'class-distribution',
              await classDistributionChart(json.classDistribution),
              'Images per class in each split (classes sorted alphabetically).',
            ),
          ),
        ],
      },
      {
        heading: 'Pixel range and scaling',
        blocks: [
          tableBlock(
            simpleTable(
              'Pixel range (min, max) before and after dividing by 255',
              ['Split', 'Before (uint8)', 'After (float32)'],
              SPLIT_NAMES.map((s) => [
                SPLIT_TITLES[s],
                `${json.pixelRange.before[s].min}, ${json.pixelRange.before[s].max}`,
                `${json.pixelRange.after[s].min}, ${json.pixelRange.after[s].max}`,
              ]),
            ),
          ),
          add(
            figure(
              'first-image-scaling',
              imagePair(
                {
                  image: { pixels: first, height: 28, width: 28 },
                  caption: 'before: uint8 0..255',
                },
                {
                  image: { pixels: firstScaled, height: 28, width: 28, range: [0, 1] },
                  caption: 'after: float32 0..1',
                },
                { scale: 6, title: `First training image (${label('train', 0)})` },
              ),
              'The first training image before and after scaling: the same picture in new units.',
            ),
          ),
        ],
      },
      {
        heading: 'Crops: top and bottom halves',
        blocks: [
          tableBlock(
            simpleTable(
              'Shapes of the crops (top = rows 0-13, bottom = rows 14-27)',
              ['Split', 'Top X', 'Bottom X', 'y'],
              SPLIT_NAMES.map((s) => [
                SPLIT_TITLES[s],
                shape(json.crops.top[s].x),
                shape(json.crops.bottom[s].x),
                shape(json.crops.top[s].y),
              ]),
            ),
          ),
          ...(['train', 'test'] as const).map((split) =>
            add(
              figure(
                `first-${split}-halves`,
                imagePair(
                  { image: half(split, 'top'), caption: 'top: rows 0-13' },
                  { image: half(split, 'bottom'), caption: 'bottom: rows 14-27' },
                  {
                    scale: 6,
                    title: `First ${split === 'train' ? 'training' : 'test'} image (${label(split, 0)}), halves`,
                  },
                ),
                `The top and bottom halves of the first ${split === 'train' ? 'training' : 'test'} image.`,
              ),
            ),
          ),
        ],
      },
      {
        heading: `The first ${count} training images`,
        blocks: [
          add(
            figure(
              'grid-original',
              grid('full', `First ${count} training images: original (28x28)`),
              'Original images with their labels.',
            ),
          ),
          add(
            figure(
              'grid-top',
              grid('top', `First ${count} training images: top half (rows 0-13)`),
              'Their top halves: what the top model sees.',
            ),
          ),
          add(
            figure(
              'grid-bottom',
              grid('bottom', `First ${count} training images: bottom half (rows 14-27)`),
              'Their bottom halves: what the bottom model sees.',
            ),
          ),
        ],
      },
    ],
  };
  return { section, figures: figures.flatMap(figureFiles) };
}
