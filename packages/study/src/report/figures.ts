/** Small helpers shared by the report's sections. */
import type { Block, FigureBlock, RenderedFigure, Table } from '@fmnist/reports';

/** A rendered figure as a report block (both SVG and PNG are written under figures/). */
export function figure(name: string, rendered: RenderedFigure, caption: string): FigureBlock {
  return {
    type: 'figure',
    name,
    caption,
    svg: rendered.svg,
    png: rendered.png,
    ...(rendered.preferred ? { preferred: rendered.preferred } : {}),
  };
}

export function tableBlock(table: Table): Block {
  return { type: 'table', table };
}

export function paragraph(text: string): Block {
  return { type: 'paragraph', text };
}

/** A table from header strings and rows of strings; the first column left, the rest right. */
export function simpleTable(caption: string, header: string[], rows: string[][]): Table {
  return {
    caption,
    columns: header.map((h, i) => ({ header: h, align: i === 0 ? 'left' : 'right' })),
    rows: rows.map((r) => r.map((text) => ({ text }))),
  };
}

/** The files a figure block becomes, relative to the report folder. */
export function figureFiles(block: FigureBlock): string[] {
  return [
    ...(block.svg !== undefined ? [`figures/${block.name}.svg`] : []),
    ...(block.png !== undefined ? [`figures/${block.name}.png`] : []),
  ];
}

/** "1 epoch", "15 epochs". */
export function epochs(n: number): string {
  return `${n} epoch${n === 1 ? '' : 's'}`;
}
