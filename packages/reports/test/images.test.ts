import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ReportInputError } from '../src/errors.js';
import {
  disagreementFigure,
  divergingColour,
  grayscalePng,
  grayToRgba,
  heatmapPng,
  imageGrid,
  imagePair,
  scaleNearest,
  weightsGrid,
} from '../src/images.js';

const decode = (png: Uint8Array) => PNG.sync.read(Buffer.from(png));
/** The RGBA of pixel (x, y) of a decoded PNG. */
const pixel = (png: PNG, x: number, y: number) => [
  ...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4),
];

describe('grayscale images', () => {
  it('scales a 28x28 image up by nearest neighbour: each pixel a crisp square', () => {
    const pixels = new Uint8Array(28 * 28);
    pixels[0] = 255; // top-left white, the rest black
    pixels[28 * 27 + 27] = 128;
    const png = decode(grayscalePng({ pixels, height: 28, width: 28 }, 4));
    expect([png.width, png.height]).toEqual([112, 112]);
    expect(pixel(png, 0, 0)).toEqual([255, 255, 255, 255]);
    expect(pixel(png, 3, 3)).toEqual([255, 255, 255, 255]);
    expect(pixel(png, 4, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(png, 111, 111)).toEqual([128, 128, 128, 255]);
    expect(pixel(png, 108, 108)).toEqual([128, 128, 128, 255]);
  });

  it('reads Float32 pixels as 0..1 and bytes as 0..255, to the same picture', () => {
    const bytes = Uint8Array.from({ length: 14 * 28 }, (_, i) => i % 256);
    const floats = Float32Array.from(bytes, (v) => v / 255);
    expect(grayToRgba({ pixels: floats, height: 14, width: 28 }).rgba).toEqual(
      grayToRgba({ pixels: bytes, height: 14, width: 28 }).rgba,
    );
    const png = decode(grayscalePng({ pixels: floats, height: 14, width: 28 }, 8));
    expect([png.width, png.height]).toEqual([224, 112]);
  });

  it('scaleNearest repeats each pixel factor x factor times', () => {
    const image = { rgba: Uint8Array.from([1, 1, 1, 255, 2, 2, 2, 255]), height: 1, width: 2 };
    const scaled = scaleNearest(image, 2);
    expect([scaled.width, scaled.height]).toEqual([4, 2]);
    expect([...scaled.rgba].filter((_, i) => i % 4 === 0)).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
    expect(() => scaleNearest(image, 1.5)).toThrow(ReportInputError);
  });

  it('says clearly when the pixel count does not fit the shape', () => {
    expect(() => grayscalePng({ pixels: new Uint8Array(10), height: 28, width: 28 })).toThrow(
      /10 values for a 28x28 image, which needs 784/,
    );
  });
});

describe('diverging heat maps', () => {
  it('maps negative to blue, zero to white, positive to red', () => {
    const [r0, g0, b0] = divergingColour(0);
    expect(Math.min(r0, g0, b0)).toBeGreaterThan(240);
    const [rn, , bn] = divergingColour(-1);
    expect(bn).toBeGreaterThan(rn);
    const [rp, , bp] = divergingColour(1);
    expect(rp).toBeGreaterThan(bp);
    expect(divergingColour(5)).toEqual(divergingColour(1)); // clamped
  });

  it('draws values of any sign symmetric around zero', () => {
    const png = decode(heatmapPng([-2, 0, 1, 2], 1, 4, { scale: 2 }));
    expect([png.width, png.height]).toEqual([8, 2]);
    expect(pixel(png, 0, 0).slice(0, 3)).toEqual(divergingColour(-1));
    expect(pixel(png, 2, 0).slice(0, 3)).toEqual(divergingColour(0));
    expect(pixel(png, 4, 0).slice(0, 3)).toEqual(divergingColour(0.5));
    // An all-zero image is all white rather than NaN.
    expect(pixel(decode(heatmapPng([0, 0], 1, 2)), 0, 0).slice(0, 3)).toEqual(divergingColour(0));
  });
});

describe('captioned figures', () => {
  const image = {
    pixels: Float32Array.from({ length: 784 }, (_, i) => (i % 28) / 27),
    height: 28,
    width: 28,
  };

  it('lays out a rows x cols grid with a caption under each image, as SVG and PNG', () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ image, caption: `item <${i}>` }));
    const grid = imageGrid(items, { cols: 5, scale: 3, title: 'First 20' });
    expect(grid.svg.match(/<image /g)).toHaveLength(20);
    expect(grid.svg.match(/href="data:image\/png;base64,/g)).toHaveLength(20);
    expect(grid.svg).toContain('>item &lt;7&gt;</text>');
    expect(grid.svg).toContain('>First 20</text>');
    const png = decode(grid.png);
    expect([png.width, png.height]).toEqual([grid.width, grid.height]);
    // 5 columns of 84-px images; 4 rows with one caption line each.
    expect(grid.width).toBe(12 + 5 * (84 + 12));
    expect(grid.preferred).toBe('png');
    // The embedded image is drawn, not left blank: its right column is white, left black.
    const x0 = 12;
    const y0 = 26 + 6;
    expect(pixel(png, x0 + 1, y0 + 1).slice(0, 3)).toEqual([0, 0, 0]);
    expect(pixel(png, x0 + 82, y0 + 1).slice(0, 3)).toEqual([255, 255, 255]);
  });

  it('shows pairs side by side', () => {
    const pair = imagePair({ image, caption: 'before' }, { image, caption: 'after' }, { scale: 4 });
    expect(pair.svg.match(/<image /g)).toHaveLength(2);
    expect(pair.svg).toContain('>before</text>');
    expect(pair.svg).toContain('>after</text>');
    expect(pair.width).toBe(12 + 2 * (112 + 12));
  });

  it('captions each disagreement with its true label and the wrong prediction in red', () => {
    const cases = Array.from({ length: 5 }, (_, i) => ({
      image,
      trueLabel: 'Shirt',
      predicted: 'T-shirt/top',
      index: 10 + i,
    }));
    const figure = disagreementFigure(cases, { wrongModel: 'bottom' });
    expect(figure.svg.match(/<image /g)).toHaveLength(5);
    expect(figure.svg.match(/>true: Shirt<\/text>/g)).toHaveLength(5);
    expect(figure.svg).toMatch(/fill="#c62828" font-weight="bold">bottom: T-shirt\/top<\/text>/);
    expect(figure.svg).toContain('>#12</text>');
    expect(decode(figure.png).width).toBe(figure.width);
  });

  it('draws one heat map per unit with a shared colour bar', () => {
    const units = Array.from({ length: 6 }, (_, u) =>
      Float32Array.from({ length: 14 * 28 }, (_, i) => Math.sin(i + u) * (u + 1)),
    );
    const figure = weightsGrid(units, 14, 28, { cols: 3 });
    expect(figure.svg.match(/<image /g)).toHaveLength(6);
    expect(figure.svg).toContain('>unit 5</text>');
    expect(figure.svg).toContain('linearGradient');
    expect(figure.svg).toContain('>+6.000</text>'); // the largest |weight|, 5.99994
    const png = decode(figure.png);
    expect([png.width, png.height]).toEqual([figure.width, figure.height]);
    expect(() => weightsGrid([], 14, 28)).toThrow(ReportInputError);
  });
});
