/**
 * SVG to PNG through resvg, with the fonts pinned so text renders the same on every machine
 * that has Debian's fonts-dejavu-core (as this one and CI do). Elsewhere the system's fonts
 * are loaded instead.
 */
import { existsSync } from 'node:fs';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

const DEJAVU_DIR = '/usr/share/fonts/truetype/dejavu';

/** The font stack every SVG this package writes asks for. */
export const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif';
export const MONO_FONT_FAMILY = 'DejaVu Sans Mono, Menlo, Consolas, monospace';

let fontOptions: ResvgRenderOptions['font'] | undefined;

function fonts(): ResvgRenderOptions['font'] {
  // Loading only DejaVu is much faster than scanning every system font, and deterministic.
  fontOptions ??= existsSync(DEJAVU_DIR)
    ? {
        loadSystemFonts: false,
        fontDirs: [DEJAVU_DIR],
        defaultFontFamily: 'DejaVu Sans',
        sansSerifFamily: 'DejaVu Sans',
        monospaceFamily: 'DejaVu Sans Mono',
      }
    : { loadSystemFonts: true };
  return fontOptions;
}

export interface SvgToPngOptions {
  /** Scale factor for the raster, e.g. 2 for a crisp image on high-density screens. Default 1. */
  zoom?: number;
  /** Background colour; default white, so a PNG reads well on any viewer. */
  background?: string;
  /** Keep pixels square when images inside the SVG are scaled (nearest neighbour). */
  pixelated?: boolean;
}

export function svgToPng(svg: string, options: SvgToPngOptions = {}): Buffer {
  const resvg = new Resvg(svg, {
    font: fonts(),
    background: options.background ?? 'white',
    fitTo: { mode: 'zoom', value: options.zoom ?? 1 },
    imageRendering: options.pixelated ? 1 : 0,
    logLevel: 'off',
  });
  return resvg.render().asPng();
}

/** A figure in both forms: the SVG for the web page, the PNG for files and viewers. */
export interface RenderedFigure {
  svg: string;
  png: Buffer;
  /** Size of the SVG in CSS pixels. */
  width: number;
  height: number;
  /**
   * Which form a web page should show: 'svg' for charts (sharp at any zoom), 'png' for
   * figures of pixels (the PNG is exact; browsers may smooth images inside an SVG).
   */
  preferred?: 'svg' | 'png';
}
