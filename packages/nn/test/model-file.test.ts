import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '@fmnist/core';
import { describe, expect, it } from 'vitest';
import { denseStack } from '../src/dense-stack.js';
import { ModelFileError } from '../src/errors.js';
import { loadModel, loadWeights, saveModel } from '../src/node/model-file.js';
import { Sequential } from '../src/sequential.js';

const backend = new JsBackend();

describe('saveModel / loadModel', () => {
  it('round-trips the spec and every weight, moving statistics included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-model-'));
    const model = new Sequential(
      denseStack('batch-norm', [14, 28], [128, 64, 32], { batchNormalization: true }),
      { seed: 3, backend },
    );
    model.compile({ optimizer: { type: 'adam' } });
    await model.fit(new Float32Array(8 * 392).fill(0.5), [1, 2, 3, 4, 5, 6, 7, 8], {
      batchSize: 4,
    });
    const path = join(dir, 'batch-norm.fmnist');
    saveModel(model, path);
    expect(readdirSync(dir)).toEqual(['batch-norm.fmnist']); // no temporary file left behind
    const loaded = loadModel(path, { backend });
    expect(loaded.spec).toEqual(model.spec);
    expect(loaded.getWeights()).toEqual(model.getWeights());
    const fresh = new Sequential(
      denseStack('batch-norm', [14, 28], [128, 64, 32], { batchNormalization: true }),
      { seed: 9, backend },
    );
    loadWeights(fresh, path);
    expect(fresh.getWeights()).toEqual(model.getWeights());
  });

  it('rejects another model, a foreign file and a truncated file with what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-model-'));
    const path = join(dir, 'base.fmnist');
    saveModel(new Sequential(denseStack('base', [14, 28], [128, 64, 32]), { backend }), path);
    expect(() =>
      loadWeights(
        new Sequential(
          denseStack('batch-norm', [14, 28], [128, 64, 32], { batchNormalization: true }),
          { backend },
        ),
        path,
      ),
    ).toThrow(/same spec/);
    writeFileSync(join(dir, 'junk'), 'not a model');
    expect(() => loadModel(join(dir, 'junk'))).toThrow(ModelFileError);
    const bytes = readFileSync(path);
    writeFileSync(join(dir, 'cut'), bytes.subarray(0, bytes.length - 10));
    expect(() => loadModel(join(dir, 'cut'), { backend })).toThrow(/truncated/);
    expect(() => loadModel(join(dir, 'missing'))).toThrow(/check the path/);
    expect(() =>
      saveModel(
        new Sequential(denseStack('base', [14, 28], [128, 64, 32]), { backend }),
        join(dir, 'no/such/dir/m'),
      ),
    ).toThrow(/writable/);
  });
});
