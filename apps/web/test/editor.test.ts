import { describe, expect, it } from 'vitest';
import {
  addLayer,
  checkExperiment,
  decodeExperiment,
  EDITOR_FILE,
  encodeExperiment,
  experimentFile,
  fromStudyModel,
  moveLayer,
  readExperimentText,
  removeLayer,
  retypeLayer,
  setLayerField,
  typedValue,
} from '../src/editor.js';

describe('the experiment editor', () => {
  it('starts from a study model as a file of its own that checks, Flatten left out', () => {
    const edited = fromStudyModel('bottom');
    const [model] = edited.models;
    expect(model!.name).toBe('my-bottom');
    expect(model!.crop).toBe('bottom');
    // Alone in its file, it cannot start from top's weights.
    expect(model!.sameInitialWeightsAs).toBeUndefined();
    expect(model!.layers.map((l) => l.type)).toEqual(['dense', 'dense', 'dense']);
    const checked = checkExperiment(edited);
    expect('experiment' in checked && checked.experiment.models[0]!.layers[0]).toEqual({
      type: 'flatten',
    });
  });

  it('adds, moves, retypes and removes layers; a bad field gets the loader’s own line', () => {
    const edited = fromStudyModel('top');
    const model = edited.models[0]!;
    addLayer(model, 'dropout', 1);
    moveLayer(model, 1, 1);
    moveLayer(model, 0, -1); // nothing above the first
    expect(model.layers.map((l) => l.type)).toEqual(['dense', 'dense', 'dropout', 'dense']);
    retypeLayer(model, 2, 'batchNormalization');
    setLayerField(model, 0, 'units', typedValue('12x'));
    const bad = checkExperiment(edited);
    expect(bad).toEqual({
      error: `${EDITOR_FILE}: models[0].layers[0].units: units must be a whole number`,
    });
    // The very line `fmnist run` gets from the same file.
    expect(readExperimentText(JSON.stringify(experimentFile(edited)), EDITOR_FILE)).toEqual(bad);
    setLayerField(model, 0, 'units', typedValue(' 48 '));
    removeLayer(model, 2);
    expect(checkExperiment(edited)).toHaveProperty('experiment');
    removeLayer(model, 2);
    expect(checkExperiment(edited)).toEqual({
      error: `${EDITOR_FILE}: models[0].layers[1]: the last layer must be { "type": "dense", "units": 10, "activation": "softmax" }: one probability per class, for the cross-entropy`,
    });
  });

  it('travels in the address and back unchanged; a damaged one is refused with why', () => {
    const edited = fromStudyModel('dropout');
    edited.models[0]!.name = 'ünïcode-free';
    const param = encodeExperiment(edited);
    expect(param).toMatch(/^[A-Za-z0-9_-]+$/);
    const back = decodeExperiment(param);
    // The name is refused by the loader (letters, digits, - _ . only), in the loader's words.
    expect(back).toEqual({
      error:
        "the experiment in this link: models[0].name: name must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit",
    });
    edited.models[0]!.name = 'fine';
    const again = decodeExperiment(encodeExperiment(edited));
    expect('experiment' in again && experimentFile(again.experiment)).toEqual(
      experimentFile(edited),
    );
    expect(decodeExperiment('%%%')).toEqual({
      error: 'the experiment in this link is damaged; the form keeps its defaults',
    });
  });

  it('writes the page’s seed into the file it downloads', () => {
    expect(experimentFile(fromStudyModel('base'), 7)).toMatchObject({ name: 'my-base', seed: 7 });
    expect(experimentFile(fromStudyModel('base'))).not.toHaveProperty('seed');
  });
});
