import { describe, expect, it } from 'vitest';
import * as editor from '../src/editor.js';

describe('the experiment editor', () => {
  it('starts from a study model as a file of its own that checks, Flatten left out', () => {
    const edited = editor.fromStudyModel('bottom');
    const [model] = edited.models;
    expect(model!.name).toBe('my-bottom');
    expect(model!.crop).toBe('bottom');
    // Alone in its file, it cannot start from top's weights.
    expect(model!.sameInitialWeightsAs).toBeUndefined();
    expect(model!.layers.map((l) => l.type)).toEqual(['dense', 'dense', 'dense']);
    const checked = editor.checkExperiment(edited);
    expect('experiment' in checked && checked.experiment.models[0]!.layers[0]).toEqual({
      type: 'flatten',
    });
  });

  it('adds, moves, retypes and removes layers; a bad field gets the loader’s own line', () => {
    const edited = editor.fromStudyModel('top');
    const model = edited.models[0]!;
    editor.addLayer(model, 'dropout', 1);
    editor.moveLayer(model, 1, 1);
    editor.moveLayer(model, 0, -1); // nothing above the first
    expect(model.layers.map((l) => l.type)).toEqual(['dense', 'dense', 'dropout', 'dense']);
    editor.retypeLayer(model, 2, 'batchNormalization');
    editor.setLayerField(model, 0, 'units', editor.typedValue('12x'));
    const bad = editor.checkExperiment(edited);
    expect(bad).toEqual({
      error: `${editor.EDITOR_FILE}: models[0].layers[0].units: units must be a whole number`,
    });
    // The very line `fmnist run` gets from the same file.
    expect(
      editor.readExperimentText(JSON.stringify(editor.experimentFile(edited)), editor.EDITOR_FILE),
    ).toEqual(bad);
    editor.setLayerField(model, 0, 'units', editor.typedValue(' 48 '));
    editor.removeLayer(model, 2);
    expect(editor.checkExperiment(edited)).toHaveProperty('experiment');
    editor.removeLayer(model, 2);
    expect(editor.checkExperiment(edited)).toEqual({
      error: `${editor.EDITOR_FILE}: models[0].layers[1]: the last layer must be { "type": "dense", "units": 10, "activation": "softmax" }: one probability per class, for the cross-entropy`,
    });
  });

  it('travels in the address and back unchanged; a damaged one is refused with why', () => {
    const edited = editor.fromStudyModel('dropout');
    edited.models[0]!.name = 'ünïcode-free';
    const param = editor.encodeExperiment(edited);
    expect(param).toMatch(/^[A-Za-z0-9_-]+$/);
    const back = editor.decodeExperiment(param);
    // The name is refused by the loader (letters, digits, - _ . only), in the loader's words.
    expect(back).toEqual({
      error:
        "the experiment in this link: models[0].name: name must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit",
    });
    edited.models[0]!.name = 'fine';
    const again = editor.decodeExperiment(editor.encodeExperiment(edited));
    expect('experiment' in again && editor.experimentFile(again.experiment)).toEqual(
      editor.experimentFile(edited),
    );
    expect(editor.decodeExperiment('%%%')).toEqual({
      error: 'the experiment in this link is damaged; the form keeps its defaults',
    });
  });

  it('writes the page’s seed into the file it downloads', () => {
    expect(editor.experimentFile(editor.fromStudyModel('base'), 7)).toMatchObject({
      name: 'my-base',
      seed: 7,
    });
    expect(editor.experimentFile(editor.fromStudyModel('base'))).not.toHaveProperty('seed');
  });
});
