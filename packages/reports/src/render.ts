/**
 * Figures in both forms, SVG and PNG. The SVG is made here, anywhere; turning it into a PNG
 * needs a rasteriser, which a platform registers: in Node, @fmnist/reports/node registers
 * resvg (with the fonts pinned) as soon as it is imported.
 */

/** The font stack every SVG this package writes asks for. */
export const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif';
export const MONO_FONT_FAMILY = 'DejaVu Sans Mono, Menlo, Consolas, monospace';

export interface SvgToPngOptions {
  /** Scale factor for the raster, e.g. 2 for a crisp image on high-density screens. Default 1. */
  zoom?: number;
  /** Background colour; default white, so a PNG reads well on any viewer. */
  background?: string;
  /** Keep pixels square when images inside the SVG are scaled (nearest neighbour). */
  pixelated?: boolean;
}

export type Rasterizer = (svg: string, options: SvgToPngOptions) => Uint8Array;

let rasterizer: Rasterizer | undefined;

/** Registers how SVG becomes PNG on this platform (@fmnist/reports/node does, for Node). */
export function setRasterizer(fn: Rasterizer): void {
  rasterizer = fn;
}

export function svgToPng(svg: string, options: SvgToPngOptions = {}): Uint8Array {
  if (!rasterizer) {
    throw new Error(
      'No SVG rasteriser is registered: in Node import @fmnist/reports/node (it registers resvg); in a page, call setRasterizer first.',
    );
  }
  return rasterizer(svg, options);
}

/** Bytes as base64, without Node's Buffer. */
export function bytesToBase64(bytes: Uint8Array): string {
  // Node's Buffer where there is one (a report's images: tens of times faster), else btoa.
  const NodeBuffer = (
    globalThis as {
      Buffer?: { from(b: ArrayBuffer, o: number, l: number): { toString(e: string): string } };
    }
  ).Buffer;
  if (NodeBuffer) {
    return NodeBuffer.from(
      bytes.buffer as ArrayBuffer,
      bytes.byteOffset,
      bytes.byteLength,
    ).toString('base64');
  }
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** A figure in both forms: the SVG for the web page, the PNG for files and viewers. */
export interface RenderedFigure {
  svg: string;
  png: Uint8Array;
  /** Size of the SVG in CSS pixels. */
  width: number;
  height: number;
  /**
   * Which form a web page should show: 'svg' for charts (sharp at any zoom), 'png' for
   * figures of pixels (the PNG is exact; browsers may smooth images inside an SVG).
   */
  preferred?: 'svg' | 'png';
}
