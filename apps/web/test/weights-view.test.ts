import { stats } from '@fmnist/study/training';
import { describe, expect, it } from 'vitest';
import { statsLine, unitImage } from '../src/weights-view.js';

describe("the lab page: the first Dense layer's weights as images", () => {
  // 6 inputs (a 2x3 image), 2 units; W stored inputs × units.
  const kernel = Float32Array.from([1, 0, -1, 0, 0.5, 0, 0, 2, 0, -2, -0.5, 1]);
  const snapshot = { kernel, inputs: 6, units: 2, height: 2, width: 3 };

  it("unit 0's column, scaled by its largest |w|: red for +, blue for −, white for 0", () => {
    const px = unitImage(snapshot, 0);
    expect(px.length).toBe(24);
    const pixel = (i: number) => Array.from(px.slice(i * 4, i * 4 + 4));
    expect(pixel(0)).toEqual([255, 0, 0, 255]); // +1: red
    expect(pixel(1)).toEqual([0, 0, 255, 255]); // −1: blue
    expect(pixel(2)).toEqual([255, 128, 128, 255]); // +0.5: light red
    expect(pixel(3)).toEqual([255, 255, 255, 255]); // 0: white
    expect(pixel(5)).toEqual([128, 128, 255, 255]); // −0.5: light blue
  });

  it("unit 1's column on its own scale (max |w| = 2)", () => {
    const px = unitImage(snapshot, 1);
    expect(Array.from(px.slice(0, 4))).toEqual([255, 255, 255, 255]); // w = 0
    expect(Array.from(px.slice(12, 16))).toEqual([255, 0, 0, 255]); // w = 2
    expect(Array.from(px.slice(16, 20))).toEqual([0, 0, 255, 255]); // w = −2
    expect(Array.from(px.slice(20, 24))).toEqual([255, 128, 128, 255]); // w = 1
  });

  it('an all-zero unit is white, not NaN', () => {
    const zero = { ...snapshot, kernel: new Float32Array(12) };
    expect(Array.from(unitImage(zero, 0).slice(0, 4))).toEqual([255, 255, 255, 255]);
  });

  it('statistics of the weights', () => {
    const s = stats([1, 2, 3, 4]);
    expect(statsLine(s)).toBe('mean 2.5000 · std 1.1180 · min 1.0000 · max 4.0000');
  });
});
