/**
 * Raster figures for images and weights. Pixels become PNGs with pngjs, scaled up by nearest
 * neighbour so each source pixel stays a crisp square. Figures with captions are composed as
 * SVG (the PNGs embedded as data URIs, the captions as <text>) and rasterised by resvg, so no
 * text is ever drawn by hand here.
 */
import { encode } from 'fast-png';
import { ReportInputError } from './errors.js';
import { escapeXml } from './escape.js';
import { formatFixed } from './format.js';
import { bytesToBase64, FONT_FAMILY, type RenderedFigure, svgToPng } from './render.js';

/**
 * A grayscale image, row-major, `height * width` values. Uint8Array / Uint8ClampedArray
 * pixels are read as 0..255, anything else as 0..1 (the study's scaled float32 images);
 * `range` overrides either.
 */
export interface GrayImage {
  pixels: ArrayLike<number>;
  height: number;
  width: number;
  range?: readonly [number, number];
}

/** An RGBA raster, 4 bytes per pixel, row-major. */
export interface RgbaImage {
  rgba: Uint8Array;
  height: number;
  width: number;
}

function checkSize(pixels: ArrayLike<number>, height: number, width: number, what: string): void {
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new ReportInputError(
      `${what}: height ${height} and width ${width} must be positive integers.`,
    );
  }
  if (pixels.length !== height * width) {
    throw new ReportInputError(
      `${what}: ${pixels.length} values for a ${height}x${width} image, which needs ${height * width}; pass one value per pixel, row by row.`,
    );
  }
}

/** Grayscale to RGBA, 0 black and the top of the range white. */
export function grayToRgba(image: GrayImage): RgbaImage {
  const { pixels, height, width } = image;
  checkSize(pixels, height, width, 'grayToRgba');
  const isBytes = pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray;
  const [lo, hi] = image.range ?? (isBytes ? [0, 255] : [0, 1]);
  const span = hi - lo || 1;
  const rgba = new Uint8Array(height * width * 4);
  for (let i = 0; i < height * width; i++) {
    const v = Math.round(((pixels[i]! - lo) / span) * 255);
    const byte = Math.min(Math.max(v, 0), 255);
    rgba[i * 4] = byte;
    rgba[i * 4 + 1] = byte;
    rgba[i * 4 + 2] = byte;
    rgba[i * 4 + 3] = 255;
  }
  return { rgba, height, width };
}

/** Each pixel becomes a `factor` x `factor` square. */
export function scaleNearest(image: RgbaImage, factor: number): RgbaImage {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new ReportInputError(`scale factor ${factor} must be a positive integer, e.g. 4 or 8.`);
  }
  const width = image.width * factor;
  const height = image.height * factor;
  const rgba = new Uint8Array(width * height * 4);
  const source = image.rgba;
  const rowBytes = width * 4;
  for (let sy = 0; sy < image.height; sy++) {
    // The first of the `factor` rows a source row becomes, pixel by pixel...
    const first = sy * factor * rowBytes;
    for (let x = 0; x < width; x++) {
      const from = (sy * image.width + Math.floor(x / factor)) * 4;
      const to = first + x * 4;
      rgba[to] = source[from]!;
      rgba[to + 1] = source[from + 1]!;
      rgba[to + 2] = source[from + 2]!;
      rgba[to + 3] = source[from + 3]!;
    }
    // ...and the others copies of it.
    for (let r = 1; r < factor; r++) rgba.copyWithin(first + r * rowBytes, first, first + rowBytes);
  }
  return { rgba, height, width };
}

export function encodePng(image: RgbaImage): Uint8Array {
  return encode({
    width: image.width,
    height: image.height,
    data: new Uint8Array(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength),
    channels: 4,
    depth: 8,
  });
}

/** A grayscale image as a PNG, scaled up (default x4) so a 28x28 digit is visible. */
export function grayscalePng(image: GrayImage, scale = 4): Uint8Array {
  return encodePng(scaleNearest(grayToRgba(image), scale));
}

// ---------------------------------------------------------------------------------------------
// Diverging colour map for weights

/** Blue for negative, white for zero, red for positive (ColorBrewer RdBu, reversed). */
const DIVERGING_STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [5, 48, 97],
  [33, 102, 172],
  [67, 147, 195],
  [146, 197, 222],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [244, 165, 130],
  [214, 96, 77],
  [178, 24, 43],
  [103, 0, 31],
];

/** The colour for t in [-1, 1] (values outside are clamped). */
export function divergingColour(t: number): [number, number, number] {
  const clamped = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const position = ((clamped + 1) / 2) * (DIVERGING_STOPS.length - 1);
  const i = Math.min(Math.floor(position), DIVERGING_STOPS.length - 2);
  const f = position - i;
  const a = DIVERGING_STOPS[i]!;
  const b = DIVERGING_STOPS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

export interface HeatmapOptions {
  /** Values at +-maxAbs get the strongest colours; default: the largest |value|. */
  maxAbs?: number;
  /** Nearest-neighbour scale factor; default 4. */
  scale?: number;
}

/** Largest absolute value, or 1 when all are zero (so zero maps to white, not NaN). */
export function maxAbsolute(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]!));
  return max || 1;
}

/** Values of any sign as a heat map: negative blue, zero white, positive red. */
export function heatmapRgba(
  values: ArrayLike<number>,
  height: number,
  width: number,
  maxAbs?: number,
): RgbaImage {
  checkSize(values, height, width, 'heatmap');
  const limit = maxAbs ?? maxAbsolute(values);
  const rgba = new Uint8Array(height * width * 4);
  for (let i = 0; i < height * width; i++) {
    rgba.set([...divergingColour(values[i]! / limit), 255], i * 4);
  }
  return { rgba, height, width };
}

export function heatmapPng(
  values: ArrayLike<number>,
  height: number,
  width: number,
  options: HeatmapOptions = {},
): Uint8Array {
  return encodePng(
    scaleNearest(heatmapRgba(values, height, width, options.maxAbs), options.scale ?? 4),
  );
}

// ---------------------------------------------------------------------------------------------
// Captioned figures

export interface CaptionLine {
  text: string;
  /** A CSS colour, e.g. to show a wrong prediction in red. */
  color?: string;
  bold?: boolean;
}

export interface GridItem {
  image: GrayImage | RgbaImage;
  /** Lines of text under the image. */
  caption?: string | readonly (string | CaptionLine)[];
}

export interface GridOptions {
  /** Images per row; default: all in one row. */
  cols?: number;
  /** Nearest-neighbour scale factor; default 4. */
  scale?: number;
  /** Title above the grid. */
  title?: string;
  /** Extra SVG below the grid (e.g. a colour bar), and its height. */
  footer?: { svg: (width: number) => string; height: number };
}

const CAPTION_FONT_SIZE = 12;
const CAPTION_LINE_HEIGHT = 15;
const TITLE_HEIGHT = 26;
const GAP = 12;
/** DejaVu Sans averages about 0.6 em per character; captions get at least that much room. */
const CHAR_WIDTH = CAPTION_FONT_SIZE * 0.62;

function isRgba(image: GrayImage | RgbaImage): image is RgbaImage {
  return 'rgba' in image;
}

function captionLines(caption: GridItem['caption']): CaptionLine[] {
  if (caption === undefined) return [];
  const lines = typeof caption === 'string' ? caption.split('\n') : caption;
  return lines.map((line) => (typeof line === 'string' ? { text: line } : line));
}

/**
 * Images in a grid, each with its caption beneath: SVG (PNG data URIs and text) and its PNG.
 * All cells share one size, set by the largest image and the longest caption line.
 */
export function imageGrid(items: readonly GridItem[], options: GridOptions = {}): RenderedFigure {
  if (items.length === 0) throw new ReportInputError('imageGrid: no images; pass at least one.');
  const scale = options.scale ?? 4;
  const cols = Math.max(1, Math.min(options.cols ?? items.length, items.length));
  const rows = Math.ceil(items.length / cols);
  const cells = items.map((item) => {
    const rgba = scaleNearest(isRgba(item.image) ? item.image : grayToRgba(item.image), scale);
    return { rgba, png: encodePng(rgba), lines: captionLines(item.caption) };
  });
  const maxLines = Math.max(...cells.map((c) => c.lines.length));
  const longest = Math.max(0, ...cells.flatMap((c) => c.lines.map((l) => l.text.length)));
  const cellWidth = Math.ceil(Math.max(...cells.map((c) => c.rgba.width), longest * CHAR_WIDTH));
  const imageHeight = Math.max(...cells.map((c) => c.rgba.height));
  const cellHeight = imageHeight + (maxLines > 0 ? 6 + maxLines * CAPTION_LINE_HEIGHT : 0);
  const top = options.title ? TITLE_HEIGHT + GAP / 2 : GAP;
  const width = GAP + cols * (cellWidth + GAP);
  const gridHeight = rows * (cellHeight + GAP);
  const height = top + gridHeight + (options.footer ? options.footer.height : 0) + GAP / 2;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(FONT_FAMILY)}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (options.title) {
    parts.push(
      `<text x="${GAP}" y="${TITLE_HEIGHT - 6}" font-size="15" font-weight="bold" fill="#222">${escapeXml(options.title)}</text>`,
    );
  }
  cells.forEach((cell, i) => {
    const x0 = GAP + (i % cols) * (cellWidth + GAP);
    const y0 = top + Math.floor(i / cols) * (cellHeight + GAP);
    const x = x0 + (cellWidth - cell.rgba.width) / 2;
    parts.push(
      `<image x="${x}" y="${y0}" width="${cell.rgba.width}" height="${cell.rgba.height}" image-rendering="optimizeSpeed" style="image-rendering:pixelated" href="data:image/png;base64,${bytesToBase64(cell.png)}"/>`,
      `<rect x="${x}" y="${y0}" width="${cell.rgba.width}" height="${cell.rgba.height}" fill="none" stroke="#bbb" stroke-width="1"/>`,
    );
    cell.lines.forEach((line, l) => {
      const y = y0 + imageHeight + 6 + (l + 1) * CAPTION_LINE_HEIGHT - 3;
      const attrs = `${line.color ? ` fill="${escapeXml(line.color)}"` : ' fill="#222"'}${line.bold ? ' font-weight="bold"' : ''}`;
      parts.push(
        `<text x="${x0 + cellWidth / 2}" y="${y}" font-size="${CAPTION_FONT_SIZE}" text-anchor="middle"${attrs}>${escapeXml(line.text)}</text>`,
      );
    });
  });
  if (options.footer) {
    parts.push(`<g transform="translate(0 ${top + gridHeight})">${options.footer.svg(width)}</g>`);
  }
  parts.push('</svg>');
  const svg = parts.join('\n');
  return { svg, png: svgToPng(svg, { pixelated: true }), width, height, preferred: 'png' };
}

/** Two images side by side with a caption each: before/after scaling, top/bottom halves. */
export function imagePair(
  left: GridItem,
  right: GridItem,
  options: Omit<GridOptions, 'cols'> = {},
): RenderedFigure {
  return imageGrid([left, right], { ...options, cols: 2 });
}

export interface Disagreement {
  image: GrayImage;
  /** The true class name. */
  trueLabel: string;
  /** What the wrong model predicted (a class name). */
  predicted: string;
  /** Test-set index, shown so the case can be found again. */
  index?: number;
}

/**
 * The disagreement figure: images one model gets right and the other gets wrong, each captioned
 * with its true label and the wrong model's prediction (in red).
 */
export function disagreementFigure(
  cases: readonly Disagreement[],
  options: { wrongModel: string; title?: string; scale?: number; cols?: number },
): RenderedFigure {
  return imageGrid(
    cases.map((c) => ({
      image: c.image,
      caption: [
        ...(c.index === undefined ? [] : [{ text: `#${c.index}`, color: '#666' }]),
        { text: `true: ${c.trueLabel}` },
        { text: `${options.wrongModel}: ${c.predicted}`, color: '#c62828', bold: true },
      ],
    })),
    {
      scale: options.scale ?? 4,
      cols: options.cols ?? cases.length,
      ...(options.title ? { title: options.title } : {}),
    },
  );
}

export interface WeightGridOptions {
  /** Units per row; default 16. */
  cols?: number;
  /** Nearest-neighbour scale factor; default 3. */
  scale?: number;
  title?: string;
  /** Caption under each unit; default "unit i". Pass null for none. */
  captions?: readonly string[] | null;
  /** One colour scale for all units (default), so their strengths compare; false: each its own. */
  sharedScale?: boolean;
}

/**
 * One heat map per unit of a Dense layer (e.g. the first layer's 392 weights per unit shown as a
 * 14x28 image), negative blue, positive red, with a colour bar that says what the colours mean.
 */
export function weightsGrid(
  units: readonly ArrayLike<number>[],
  height: number,
  width: number,
  options: WeightGridOptions = {},
): RenderedFigure {
  if (units.length === 0)
    throw new ReportInputError('weightsGrid: no units; pass one weight vector per unit.');
  const shared = options.sharedScale ?? true;
  const sharedMax = Math.max(...units.map(maxAbsolute));
  const items: GridItem[] = units.map((values, i) => {
    const caption = options.captions === null ? undefined : (options.captions?.[i] ?? `unit ${i}`);
    return {
      image: heatmapRgba(values, height, width, shared ? sharedMax : undefined),
      ...(caption === undefined ? {} : { caption }),
    };
  });
  const footer = shared
    ? {
        height: 44,
        svg: (figureWidth: number) => colourBar(Math.min(300, figureWidth - 2 * GAP), sharedMax),
      }
    : undefined;
  return imageGrid(items, {
    cols: options.cols ?? 16,
    scale: options.scale ?? 3,
    ...(options.title ? { title: options.title } : {}),
    ...(footer ? { footer } : {}),
  });
}

/** A horizontal colour bar from -max to +max with its three labels. */
function colourBar(barWidth: number, max: number): string {
  const stops = DIVERGING_STOPS.map(
    (c, i) =>
      `<stop offset="${(i / (DIVERGING_STOPS.length - 1)).toFixed(3)}" stop-color="rgb(${c.join(',')})"/>`,
  ).join('');
  const label = (x: number, anchor: string, text: string) =>
    `<text x="${x}" y="36" font-size="11" text-anchor="${anchor}" fill="#333">${escapeXml(text)}</text>`;
  return [
    `<defs><linearGradient id="diverging-bar">${stops}</linearGradient></defs>`,
    `<rect x="${GAP}" y="6" width="${barWidth}" height="14" fill="url(#diverging-bar)" stroke="#999"/>`,
    label(GAP, 'start', formatFixed(-max, 3)),
    label(GAP + barWidth / 2, 'middle', '0'),
    label(GAP + barWidth, 'end', `+${formatFixed(max, 3)}`),
  ].join('');
}
