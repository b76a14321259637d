/**
 * The experiment editor's DOM: the model (its crop, its layers added, removed, moved and
 * changed, its optimizer and settings, epochs, batch size, early stopping), a file opened, the
 * setup downloaded as a file. Every change is checked by editor.ts (the loader of `fmnist run`)
 * and reported through `onChange`; the page trains only a setup that checks.
 */
import type { ImageCrop } from '@fmnist/data';
import type { LayerSpec, OptimizerSpec } from '@fmnist/nn';
import type { Experiment } from '@fmnist/study/experiment';
import {
  addLayer,
  checkExperiment,
  cropChoices,
  type EditedExperiment,
  type EditedModel,
  moveLayer,
  NEW_LAYERS,
  NEW_OPTIMIZERS,
  readExperimentText,
  removeLayer,
  retypeLayer,
  setLayerField,
  toEdited,
  typedValue,
} from './editor.js';

export interface EditorState {
  edited: EditedExperiment;
  /** The experiment as checked, when it checks. */
  experiment?: Experiment;
  /** The line `fmnist run` would print, when it does not. */
  error?: string;
}

const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'linear', 'softmax'] as const;
const LAYER_LABELS: Record<keyof typeof NEW_LAYERS, string> = {
  dense: 'Dense',
  dropout: 'Dropout',
  batchNormalization: 'BatchNormalization',
};

const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & Record<string, unknown> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

function select(options: readonly { value: string; label: string }[], value: string) {
  const s = el('select');
  for (const o of options) s.add(new Option(o.label, o.value));
  s.value = value;
  return s;
}

/** A labelled text field bound to a value; `onInput` gets what was typed. */
function field(
  label: string,
  value: unknown,
  onInput: (text: string) => void,
  testid?: string,
  placeholder?: string,
) {
  const input = el('input', { value: value === undefined ? '' : String(value) });
  if (placeholder) input.placeholder = placeholder;
  if (typeof value !== 'string') input.inputMode = 'decimal';
  if (testid) input.dataset.testid = testid;
  input.addEventListener('input', () => onInput(input.value));
  return el('label', {}, label, input);
}

export class ExperimentEditor {
  #state: EditorState;
  #modelIndex = 0;

  constructor(
    readonly root: HTMLElement,
    edited: EditedExperiment,
    readonly onChange: (state: EditorState) => void,
  ) {
    this.#state = { edited };
    this.set(edited);
  }

  get state(): EditorState {
    return this.#state;
  }

  /** Shows `edited` (a file opened, a study model to start from) and checks it. */
  set(edited: EditedExperiment): void {
    this.#state = { edited };
    this.#modelIndex = 0;
    this.#render();
    this.#check();
  }

  /** Opens a file's text: shown when it checks; else its error, and the editor unchanged. */
  open(text: string, fileName: string): string | undefined {
    const read = readExperimentText(text, fileName);
    if ('error' in read) return read.error;
    this.set(toEdited(read.experiment));
    return undefined;
  }

  get #model(): EditedModel {
    return this.#state.edited.models[this.#modelIndex]!;
  }

  #check(): void {
    const checked = checkExperiment(this.#state.edited);
    this.#state = { edited: this.#state.edited, ...checked };
    const error = this.root.querySelector<HTMLElement>('[data-testid=editor-error]')!;
    error.textContent = 'error' in checked ? checked.error : '';
    this.onChange(this.#state);
  }

  /** A change that keeps the fields where they are (typing): checked, not redrawn. */
  #changed = () => this.#check();

  /** A change of structure (a layer added, a type changed): redrawn, then checked. */
  #rebuilt = () => {
    this.#render();
    this.#check();
  };

  #render(): void {
    const edited = this.#state.edited;
    const model = this.#model;
    const picker =
      edited.models.length > 1
        ? el(
            'label',
            {},
            `Model of ${edited.name}`,
            (() => {
              const s = select(
                edited.models.map((m, i) => ({ value: String(i), label: m.name })),
                String(this.#modelIndex),
              );
              s.dataset.testid = 'editor-model';
              s.addEventListener('change', () => {
                this.#modelIndex = Number(s.value);
                this.#render();
              });
              return s;
            })(),
          )
        : null;
    const rows = model.layers.map((layer, i) => this.#layerRow(model, layer, i));
    const error = el('p', { className: 'message' });
    error.setAttribute('role', 'alert');
    error.dataset.testid = 'editor-error';
    const addButton = el('button', { type: 'button', textContent: 'Add a layer' });
    addButton.dataset.testid = 'add-layer';
    // A new Dense goes before the output layer, where a hidden one belongs.
    addButton.addEventListener('click', () => {
      addLayer(model, 'dense', Math.max(0, model.layers.length - 1));
      this.#rebuilt();
    });
    this.root.replaceChildren(
      el('h2', { textContent: 'Your own model' }),
      el(
        'p',
        { className: 'hint' },
        'Edit any of it; the page checks it as `fmnist run` checks an experiment file and says what is wrong in the same words. Download it to run it with `fmnist run FILE`: on the host backends the same seed and training images give the same numbers.',
      ),
      el(
        'div',
        { className: 'editor-grid' },
        ...(picker ? [picker] : []),
        field(
          'Name',
          model.name,
          (t) => {
            model.name = t.trim();
            if (edited.models.length === 1) edited.name = model.name;
            this.#changed();
          },
          'editor-name',
        ),
        this.#cropField(model),
        ...this.#optimizerFields(model),
        field(
          'Epochs',
          model.epochs,
          (t) => {
            model.epochs = typedValue(t) as number;
            this.#changed();
          },
          'editor-epochs',
        ),
        field(
          'Batch size',
          model.batchSize,
          (t) => {
            model.batchSize = typedValue(t) as number;
            this.#changed();
          },
          'editor-batch-size',
        ),
        field(
          'Early stopping patience',
          model.earlyStopping?.patience,
          (t) => {
            const v = typedValue(t);
            if (v === undefined) delete model.earlyStopping;
            else model.earlyStopping = { patience: v as number };
            this.#changed();
          },
          'editor-patience',
          'off',
        ),
      ),
      el(
        'ol',
        { className: 'editor-layers', ariaLabel: 'layers, input first (Flatten is added)' },
        ...rows,
      ),
      addButton,
      error,
    );
  }

  #cropField(model: EditedModel): HTMLElement {
    const window = typeof model.crop === 'string' ? undefined : model.crop;
    const s = select(cropChoices(model.crop), window ? 'window' : (model.crop as string));
    s.dataset.testid = 'editor-crop';
    s.addEventListener('change', () => {
      model.crop = (s.value === 'window' ? window : s.value) as ImageCrop;
      this.#changed();
    });
    return el('label', {}, 'Crop', s);
  }

  #optimizerFields(model: EditedModel): HTMLElement[] {
    const opt = model.optimizer as OptimizerSpec & Record<string, unknown>;
    const type = select(
      (['sgd', 'adam', 'rmsprop'] as const).map((t) => ({ value: t, label: t })),
      opt.type,
    );
    type.dataset.testid = 'editor-optimizer';
    type.addEventListener('change', () => {
      model.optimizer = structuredClone(NEW_OPTIMIZERS[type.value as OptimizerSpec['type']]);
      this.#rebuilt();
    });
    const set = (key: string) => (t: string) => {
      const v = typedValue(t);
      if (v === undefined) delete opt[key];
      else opt[key] = v;
      this.#changed();
    };
    const fields = [el('label', {}, 'Optimizer', type)];
    // Keras's defaults, shown where the field is left empty (SGD has none: it needs a rate).
    const lr = opt.type === 'sgd' ? 'required' : 'default 0.001';
    fields.push(field('Learning rate', opt.learningRate, set('learningRate'), 'editor-lr', lr));
    if (opt.type !== 'adam')
      fields.push(field('Momentum', opt.momentum, set('momentum'), undefined, 'default 0'));
    return fields;
  }

  #layerRow(model: EditedModel, layer: LayerSpec, i: number): HTMLElement {
    const kind = layer.type as keyof typeof NEW_LAYERS;
    const type = select(
      (Object.keys(NEW_LAYERS) as (keyof typeof NEW_LAYERS)[]).map((t) => ({
        value: t,
        label: LAYER_LABELS[t],
      })),
      kind,
    );
    type.setAttribute('aria-label', `layer ${i + 1} type`);
    type.addEventListener('change', () => {
      retypeLayer(model, i, type.value as keyof typeof NEW_LAYERS);
      this.#rebuilt();
    });
    const set = (key: string) => (t: string) => {
      setLayerField(model, i, key, typedValue(t));
      this.#changed();
    };
    const settings: HTMLElement[] = [];
    if (layer.type === 'dense') {
      settings.push(field('Units', layer.units, set('units')));
      const activation = select(
        ACTIVATIONS.map((a) => ({ value: a, label: a })),
        layer.activation,
      );
      activation.addEventListener('change', () => {
        setLayerField(model, i, 'activation', activation.value);
        this.#changed();
      });
      settings.push(el('label', {}, 'Activation', activation));
    } else if (layer.type === 'dropout') {
      settings.push(field('Rate', layer.rate, set('rate')));
    } else if (layer.type === 'batchNormalization') {
      settings.push(field('Momentum', layer.momentum, set('momentum'), undefined, 'default 0.99'));
    }
    const button = (text: string, label: string, action: () => void, disabled = false) => {
      const b = el('button', { type: 'button', textContent: text, disabled });
      b.setAttribute('aria-label', label);
      b.addEventListener('click', () => {
        action();
        this.#rebuilt();
      });
      return b;
    };
    const row = el(
      'li',
      { className: 'editor-layer' },
      el('label', {}, `Layer ${i + 1}`, type),
      ...settings,
      el(
        'div',
        { className: 'buttons' },
        button('↑', `move layer ${i + 1} up`, () => moveLayer(model, i, -1), i === 0),
        button(
          '↓',
          `move layer ${i + 1} down`,
          () => moveLayer(model, i, 1),
          i === model.layers.length - 1,
        ),
        button('✕', `remove layer ${i + 1}`, () => removeLayer(model, i)),
      ),
    );
    row.dataset.testid = `editor-layer-${i}`;
    return row;
  }
}
