// Small hostile model folders that used to take gigabytes or hang: each is refused in one
// short line before memory is taken (a model's size is known from its model.json before any
// layer is built; shards are regular files inside the folder, read once).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '@fmnist/core';
import { describe, expect, it } from 'vitest';
import { denseStack } from '../src/dense-stack.js';
import { ModelFileError } from '../src/errors.js';
import { type LayersModelJson, MODEL_JSON, WEIGHTS_SHARD } from '../src/io/tfjs-format.js';
import { loadModel, readModelFolder, saveModel } from '../src/node/model-folder.js';
import { Sequential } from '../src/sequential.js';

const backend = new JsBackend();

/** A saved folder of a small model, whose model.json or shard a case then spoils. */
async function saved(): Promise<{ dir: string; json: LayersModelJson }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'nn-hostile-')), 'model');
  const model = new Sequential(denseStack('small', [4, 4], [8]), {
    backend,
    seed: 1,
  });
  await saveModel(model, dir);
  return { dir, json: JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) };
}

async function refusal(dir: string): Promise<string> {
  const error = await loadModel(dir, { backend }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModelFileError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  expect(message.length).toBeLessThan(400);
  return message;
}

describe('a model.json that declares more than it holds', () => {
  it('a Dense of 2,000,000 units in a 4 KB model.json: refused before any layer is built', async () => {
    const { dir, json } = await saved();
    json.modelTopology.config.layers[1]!.config.units = 2_000_000;
    writeFileSync(join(dir, MODEL_JSON), JSON.stringify(json));
    const before = process.memoryUsage().rss;
    expect(await refusal(dir)).toMatch(
      /declares 54,000,010 weights, more than the 50,000,000 a model may have here; it is not a dense network for Fashion-MNIST$/,
    );
    // Nothing near the 264 MB the weights would take was allocated.
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });

  it('a Dense larger than its shard (within the ceiling): refused before it is built', async () => {
    const { dir, json } = await saved();
    json.modelTopology.config.layers[1]!.config.units = 100_000;
    writeFileSync(join(dir, MODEL_JSON), JSON.stringify(json));
    expect(await refusal(dir)).toMatch(
      /declares [\d,]+ weights \([\d,]+ bytes\), but its weights files hold [\d,]+: too few for this model/,
    );
  });

  it('one shard listed 8,000 times: refused, in a short line', async () => {
    const { dir, json } = await saved();
    json.weightsManifest[0]!.paths = Array.from({ length: 8000 }, () => WEIGHTS_SHARD);
    writeFileSync(join(dir, MODEL_JSON), JSON.stringify(json));
    expect(await refusal(dir)).toMatch(
      /lists the weights file 'group1-shard1of1\.bin' more than once; each is listed once$/,
    );
  });

  it('a model.json nested 100,000 levels deep: refused, no stack overflow', async () => {
    const { dir, json } = await saved();
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const text = JSON.stringify(json).replace(
      '"batch_input_shape":',
      `"deep":${deep},"batch_input_shape":`,
    );
    writeFileSync(join(dir, MODEL_JSON), text);
    expect(await refusal(dir)).toMatch(
      /nests its JSON more than 64 levels deep, which no Layers model\.json does$/,
    );
  });

  it('NaN or an infinite weight: refused, naming the weight', async () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const { dir } = await saved();
      const shard = readFileSync(join(dir, WEIGHTS_SHARD));
      shard.writeFloatLE(bad, 4 * 5);
      writeFileSync(join(dir, WEIGHTS_SHARD), shard);
      expect(await refusal(dir)).toMatch(
        new RegExp(
          `holds ${bad} in weight 'dense/kernel' \\(entry 5\\): a model with NaN or infinite weights predicts nothing`,
        ),
      );
    }
  });
});

describe('shards that are not plain files of the folder', () => {
  it('a FIFO as the shard: refused at once, never read (it would block for ever)', async () => {
    const { dir } = await saved();
    unlinkSync(join(dir, WEIGHTS_SHARD));
    execFileSync('mkfifo', [join(dir, WEIGHTS_SHARD)]);
    expect(await refusal(dir)).toMatch(
      /group1-shard1of1\.bin is a FIFO, not a file; a saved model is made of files$/,
    );
  });

  it('a link to /dev/zero: refused, never read', async () => {
    const { dir } = await saved();
    unlinkSync(join(dir, WEIGHTS_SHARD));
    symlinkSync('/dev/zero', join(dir, WEIGHTS_SHARD));
    expect(await refusal(dir)).toMatch(
      /is a link to \/dev\/zero, outside the model's folder; copy the shard beside model\.json$/,
    );
  });

  it('a model.json that is a FIFO: refused, not waited on', async () => {
    const { dir } = await saved();
    unlinkSync(join(dir, MODEL_JSON));
    execFileSync('mkfifo', [join(dir, MODEL_JSON)]);
    await expect(readModelFolder(dir)).rejects.toThrow(/model\.json is a FIFO, not a file/);
  });

  it('a link inside the folder to a regular file there is fine', async () => {
    const { dir, json } = await saved();
    execFileSync('mv', [join(dir, WEIGHTS_SHARD), join(dir, 'real.bin')]);
    symlinkSync('real.bin', join(dir, WEIGHTS_SHARD));
    writeFileSync(join(dir, MODEL_JSON), JSON.stringify(json));
    const model = await loadModel(dir, { backend });
    expect(model.countParams().total).toBeGreaterThan(0);
  });
});
