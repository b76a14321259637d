/**
 * A model drawn as Keras's `plot_model(show_shapes=True, show_layer_names=True)` draws it: one
 * box per layer, "name (Type)" on top, its input and output shapes beneath, arrows downward.
 * The SVG is assembled from the layer data; it is a diagram of boxes, not a plot.
 */
import { ReportInputError } from './errors.js';
import { escapeXml } from './escape.js';
import { FONT_FAMILY, type RenderedFigure, svgToPng } from './render.js';

/** A shape without or with the batch dimension; null is shown as Keras shows it, "None". */
export type Shape = readonly (number | null)[];

export interface DiagramLayer {
  /** Keras's layer name, e.g. "dense_1". */
  name: string;
  /** Keras's class name, e.g. "Dense", "BatchNormalization". */
  type: string;
  inputShape: Shape;
  outputShape: Shape;
  /** Shown when given, as plot_model's show_layer_activations does, e.g. "relu". */
  activation?: string;
}

export interface ModelDiagram {
  /** The model's name, shown as the title. */
  name: string;
  layers: readonly DiagramLayer[];
}

export interface ModelDiagramOptions {
  /**
   * Draw Keras's "input_layer (InputLayer)" box first, from the first layer's input shape;
   * default true, as Keras 3 draws it for a Sequential model with a known input.
   */
  showInput?: boolean;
}

/** Keras prints shapes as Python tuples, batch dimension first: (None, 14, 28). */
export function formatShape(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** A shape with the batch dimension in front, unless it already has one (a leading null). */
function withBatch(shape: Shape): Shape {
  return shape[0] === null ? shape : [null, ...shape];
}

const FONT_SIZE = 12;
const CHAR_WIDTH = FONT_SIZE * 0.62;
const HEADER_HEIGHT = 26;
const ROW_HEIGHT = 22;
const ARROW = 30;
const MARGIN = 16;

export function modelDiagram(
  model: ModelDiagram,
  options: ModelDiagramOptions = {},
): RenderedFigure {
  if (model.layers.length === 0)
    throw new ReportInputError(`modelDiagram: model ${model.name} has no layers.`);
  const first = model.layers[0]!;
  const boxes: DiagramLayer[] = [
    ...((options.showInput ?? true)
      ? [
          {
            name: 'input_layer',
            type: 'InputLayer',
            inputShape: first.inputShape,
            outputShape: first.inputShape,
          },
        ]
      : []),
    ...model.layers,
  ];
  const rows = boxes.map((layer) => ({
    header: `${layer.name} (${layer.type})`,
    input: `Input shape: ${formatShape(withBatch(layer.inputShape))}`,
    output: `Output shape: ${formatShape(withBatch(layer.outputShape))}`,
    activation: layer.activation ? `Activation: ${layer.activation}` : undefined,
  }));
  // Every box has the same width, set by its widest text; the two shape cells split it evenly.
  const cellWidth = Math.ceil(
    Math.max(...rows.flatMap((r) => [r.input.length, r.output.length])) * CHAR_WIDTH + 20,
  );
  const boxWidth = Math.max(
    2 * cellWidth,
    Math.ceil(Math.max(...rows.map((r) => r.header.length)) * (CHAR_WIDTH + 0.6) + 24),
  );
  const half = boxWidth / 2;
  const boxHeight = (r: (typeof rows)[number]) =>
    HEADER_HEIGHT + ROW_HEIGHT + (r.activation ? ROW_HEIGHT : 0);
  const titleHeight = 30;
  const width = boxWidth + 2 * MARGIN;
  const height =
    titleHeight +
    rows.reduce((sum, r) => sum + boxHeight(r), 0) +
    ARROW * (rows.length - 1) +
    2 * MARGIN;

  const x0 = MARGIN;
  const centre = x0 + half;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(FONT_FAMILY)}" font-size="${FONT_SIZE}">`,
    '<defs><marker id="arrow-head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${centre}" y="${MARGIN + 14}" text-anchor="middle" font-size="14" font-weight="bold" fill="#222">${escapeXml(model.name)}</text>`,
  ];
  let y = MARGIN + titleHeight;
  rows.forEach((r, i) => {
    const h = boxHeight(r);
    const text = (x: number, ty: number, content: string, extra = '') =>
      `<text x="${x}" y="${ty}" text-anchor="middle" fill="#222"${extra}>${escapeXml(content)}</text>`;
    parts.push(
      `<g class="layer">`,
      `<rect x="${x0}" y="${y}" width="${boxWidth}" height="${h}" rx="3" fill="#f7f9fc" stroke="#333"/>`,
      `<rect x="${x0}" y="${y}" width="${boxWidth}" height="${HEADER_HEIGHT}" rx="3" fill="#dde7f3" stroke="#333"/>`,
      text(centre, y + 17, r.header, ' font-weight="bold"'),
      `<line x1="${centre}" y1="${y + HEADER_HEIGHT}" x2="${centre}" y2="${y + HEADER_HEIGHT + ROW_HEIGHT}" stroke="#333"/>`,
      text(x0 + half / 2, y + HEADER_HEIGHT + 15, r.input),
      text(x0 + half + half / 2, y + HEADER_HEIGHT + 15, r.output),
    );
    if (r.activation) {
      parts.push(
        `<line x1="${x0}" y1="${y + HEADER_HEIGHT + ROW_HEIGHT}" x2="${x0 + boxWidth}" y2="${y + HEADER_HEIGHT + ROW_HEIGHT}" stroke="#333"/>`,
        text(centre, y + HEADER_HEIGHT + ROW_HEIGHT + 15, r.activation),
      );
    }
    parts.push('</g>');
    y += h;
    if (i < rows.length - 1) {
      parts.push(
        `<line class="arrow" x1="${centre}" y1="${y}" x2="${centre}" y2="${y + ARROW - 1}" stroke="#333" stroke-width="1.4" marker-end="url(#arrow-head)"/>`,
      );
      y += ARROW;
    }
  });
  parts.push('</svg>');
  const svg = parts.join('\n');
  return { svg, png: svgToPng(svg, { zoom: 2 }), width, height, preferred: 'svg' };
}
