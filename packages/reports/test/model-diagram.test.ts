import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ReportInputError } from '../src/errors.js';
import { formatShape, modelDiagram } from '../src/model-diagram.js';

const LAYERS = [
  { name: 'flatten', type: 'Flatten', inputShape: [14, 28], outputShape: [392] },
  { name: 'dense', type: 'Dense', inputShape: [392], outputShape: [128], activation: 'relu' },
  {
    name: 'batch_normalization',
    type: 'BatchNormalization',
    inputShape: [128],
    outputShape: [128],
  },
  { name: 'dense_1', type: 'Dense', inputShape: [128], outputShape: [10], activation: 'softmax' },
];

describe('modelDiagram', () => {
  it('writes shapes as Keras prints them', () => {
    expect(formatShape([null, 14, 28])).toBe('(None, 14, 28)');
    expect(formatShape([null, 128])).toBe('(None, 128)');
    expect(formatShape([5])).toBe('(5,)');
  });

  it('draws one box per layer, input first, with name, type and shapes, and arrows down', () => {
    const diagram = modelDiagram({ name: 'batch-norm', layers: LAYERS });
    expect(diagram.svg.match(/<g class="layer">/g)).toHaveLength(5);
    expect(diagram.svg.match(/class="arrow"/g)).toHaveLength(4);
    expect(diagram.svg).toContain('>input_layer (InputLayer)</text>');
    expect(diagram.svg).toContain('>batch_normalization (BatchNormalization)</text>');
    expect(diagram.svg).toContain('>Input shape: (None, 14, 28)</text>');
    expect(diagram.svg).toContain('>Output shape: (None, 392)</text>');
    expect(diagram.svg).toContain('>Activation: softmax</text>');
    expect(diagram.svg).toContain('>batch-norm</text>');
    // The boxes come in layer order, top to bottom.
    const order = ['input_layer', 'flatten (', 'dense (', 'batch_normalization', 'dense_1'].map(
      (s) => diagram.svg.indexOf(`>${s}`),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const png = PNG.sync.read(Buffer.from(diagram.png));
    expect([png.width, png.height]).toEqual([diagram.width * 2, diagram.height * 2]);
  });

  it('can leave out the input box, and refuses a model without layers', () => {
    const diagram = modelDiagram({ name: 'm', layers: LAYERS }, { showInput: false });
    expect(diagram.svg.match(/<g class="layer">/g)).toHaveLength(4);
    expect(diagram.svg).not.toContain('InputLayer');
    expect(() => modelDiagram({ name: 'empty', layers: [] })).toThrow(ReportInputError);
  });
});
