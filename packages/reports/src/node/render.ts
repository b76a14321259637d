/**
 * SVG to PNG through resvg, with the fonts pinned so text renders the same on every machine
 * that has Debian's fonts-dejavu-core (as this one and CI do). Elsewhere the system's fonts
 * are loaded instead. Importing this module registers it as @fmnist/reports' rasteriser.
 */
import { existsSync } from 'node:fs';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { type SvgToPngOptions, setRasterizer } from '../render.js';

const DEJAVU_DIR = '/usr/share/fonts/truetype/dejavu';
/**
 * The faces the figures use (sans and mono, regular and bold, and their obliques), not the
 * folder's 22: resvg reads its fonts for every figure, and the rest only cost time.
 */
const DEJAVU_FACES = [
  'DejaVuSans',
  'DejaVuSans-Bold',
  'DejaVuSans-Oblique',
  'DejaVuSans-BoldOblique',
  'DejaVuSansMono',
  'DejaVuSansMono-Bold',
];

let fontOptions: ResvgRenderOptions['font'] | undefined;

function fonts(): ResvgRenderOptions['font'] {
  // Loading only DejaVu is much faster than scanning every system font, and deterministic.
  fontOptions ??= DEJAVU_FACES.every((face) => existsSync(`${DEJAVU_DIR}/${face}.ttf`))
    ? {
        loadSystemFonts: false,
        fontFiles: DEJAVU_FACES.map((face) => `${DEJAVU_DIR}/${face}.ttf`),
        defaultFontFamily: 'DejaVu Sans',
        sansSerifFamily: 'DejaVu Sans',
        monospaceFamily: 'DejaVu Sans Mono',
      }
    : { loadSystemFonts: true };
  return fontOptions;
}

export function resvgToPng(svg: string, options: SvgToPngOptions = {}): Uint8Array {
  const resvg = new Resvg(svg, {
    font: fonts(),
    background: options.background ?? 'white',
    fitTo: { mode: 'zoom', value: options.zoom ?? 1 },
    imageRendering: options.pixelated ? 1 : 0,
    logLevel: 'off',
  });
  return resvg.render().asPng();
}

setRasterizer(resvgToPng);
