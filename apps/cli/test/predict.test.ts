// `--save-models` and `fmnist predict`, run as a user runs them: the saved model predicts the
// test set exactly as the run that trained it reported, and single images as the IDX file does.
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gunzipSync } from 'node:zlib';
import { encode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { fmnist } from './helpers.js';

const TEST_IMAGES = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';

interface TestJson {
  test: { accuracy: number; predictions: number[] };
  model: { variant: string };
}

describe('--save-models, then fmnist predict', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fmnist-predict-'));
  const out = join(dir, 'report');
  let part1: { models: { name: string; test: { accuracy: number; predictions: number[] } }[] };

  beforeAll(async () => {
    const run = await fmnist([
      'part1',
      '--limit',
      '500',
      '--epochs',
      '1',
      '--save-models',
      '--json',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    part1 = JSON.parse(run.stdout);
  }, 120_000);

  it('keeps each model as TF.js Layers files in <out>/models/<name>/, listed in results.json', () => {
    expect(readdirSync(join(out, 'models')).sort()).toEqual(['bottom', 'top']);
    expect(readdirSync(join(out, 'models', 'top')).sort()).toEqual([
      'group1-shard1of1.bin',
      'model.json',
    ]);
    const modelJson = JSON.parse(readFileSync(join(out, 'models', 'bottom', 'model.json'), 'utf8'));
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.userDefinedMetadata.fmnist).toMatchObject({ model: 'bottom', crop: 'bottom' });
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.models.map((m: { path: string }) => m.path)).toEqual([
      'models/top',
      'models/bottom',
    ]);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(
      '[bottom](models/bottom/model.json)',
    );
  });

  for (const name of ['top', 'bottom']) {
    it(`predict --model .../${name} gives the run's own test accuracy and every prediction`, async () => {
      const run = await fmnist(['predict', '--model', join(out, 'models', name), '--json']);
      expect(run.code, run.stderr).toBe(0);
      const predicted = JSON.parse(run.stdout) as TestJson;
      const trained = part1.models.find((m) => m.name === name)!;
      expect(predicted.model.variant).toBe(name); // read from model.json, no --variant needed
      expect(predicted.test.accuracy).toBe(trained.test.accuracy);
      expect(predicted.test.predictions).toEqual(trained.test.predictions);
    });
  }

  it('prints the accuracy and the classification report as text', async () => {
    const run = await fmnist(['predict', '--model', join(out, 'models', 'top')]);
    expect(run.code, run.stderr).toBe(0);
    const accuracy = part1.models[0]!.test.accuracy.toFixed(4);
    expect(run.stdout).toContain(`images correct, accuracy ${accuracy}`);
    expect(run.stdout).toMatch(/precision +recall +f1-score +support/);
    // The confusion matrix, as the JSON has it: each row sums to the class's support.
    expect(run.stdout).toContain('Confusion matrix (rows: true class, columns: predicted class)');
    const json = JSON.parse(
      (await fmnist(['predict', '--model', join(out, 'models', 'top'), '--json'])).stdout,
    );
    const matrix: number[][] = json.test.confusionMatrix;
    for (const [i, row] of matrix.entries()) {
      expect(row.reduce((a, b) => a + b, 0)).toBe(json.test.classes[i].support);
      const line = run.stdout.split('\n').find((l) => l.startsWith(json.test.classes[i].name))!;
      expect(line.trim().split(/ {2,}/).slice(1, 11).map(Number)).toEqual(row);
    }
    expect(matrix.reduce((sum, row, i) => sum + row[i]!, 0)).toBe(json.test.correct);
  });

  it('a 28x28 grayscale PNG predicts as the same image in the IDX file, top three listed', async () => {
    const pixels = gunzipSync(readFileSync(TEST_IMAGES)).subarray(16, 16 + 784);
    const png = join(dir, 'first.png');
    writeFileSync(png, encode({ width: 28, height: 28, channels: 1, depth: 8, data: pixels }));
    const model = join(out, 'models', 'top');
    const run = await fmnist(['predict', '--model', model, '--images', png, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const [fromPng] = JSON.parse(run.stdout).predictions;
    expect(fromPng.top3).toHaveLength(3);
    expect(fromPng.class).toBe(part1.models[0]!.test.predictions[0]);
    const idx = await fmnist(['predict', '--model', model, '--images', TEST_IMAGES, '--json']);
    const all = JSON.parse(idx.stdout).predictions;
    expect(all).toHaveLength(10_000);
    expect(all[0].probabilities).toEqual(fromPng.probabilities);
    const text = await fmnist(['predict', '--model', model, '--images', png]);
    expect(text.stdout).toMatch(/^.*first\.png: [\w/ -]+ \(0\.\d{3}\); top 3: .+, .+, .+\n$/);
  });

  it("reads a PNG's size from its header: a small file declaring 30000x30000 pixels, or a 28x28 one inflating to 100 MB, is refused before decoding", async () => {
    const model = join(out, 'models', 'top');
    const chunk = (type: string, data: Uint8Array) => {
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const head = Buffer.alloc(4);
      head.writeUInt32BE(data.length);
      const tail = Buffer.alloc(4);
      tail.writeUInt32BE(crc32(body));
      return Buffer.concat([head, body, tail]);
    };
    const png = (width: number, height: number, idat: Uint8Array) => {
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(width, 0);
      ihdr.writeUInt32BE(height, 4);
      ihdr[8] = 8; // bit depth
      ihdr[9] = 0; // grayscale
      return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk('IHDR', ihdr),
        chunk('IDAT', idat),
        chunk('IEND', new Uint8Array(0)),
      ]);
    };
    const huge = join(dir, 'huge.png');
    writeFileSync(huge, png(30000, 30000, deflateSync(Buffer.alloc(30001 * 64))));
    const bomb = join(dir, 'bomb.png');
    writeFileSync(bomb, png(28, 28, deflateSync(Buffer.alloc(100 * 2 ** 20))));
    const first = await fmnist(['predict', '--model', model, '--images', huge]);
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(
      /huge\.png is 30000x30000; predict takes 28x28 8-bit grayscale PNGs/,
    );
    const second = await fmnist(['predict', '--model', model, '--images', bomb]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      /bomb\.png holds \d+ bytes of image data, more than a 28x28 grayscale image can compress to/,
    );
  });

  it('refuses what it cannot read or feed, in one line', async () => {
    const model = join(out, 'models', 'top');
    const rgb = join(dir, 'rgb.png');
    writeFileSync(
      rgb,
      encode({ width: 28, height: 28, channels: 3, depth: 8, data: new Uint8Array(2352) }),
    );
    const wide = join(dir, 'wide.png');
    writeFileSync(
      wide,
      encode({ width: 32, height: 28, channels: 1, depth: 8, data: new Uint8Array(896) }),
    );
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello');
    // A 14x28 model saved without this tool's metadata: which half is not known.
    const foreign = join(dir, 'foreign');
    cpSync(model, foreign, { recursive: true });
    const json = JSON.parse(readFileSync(join(foreign, 'model.json'), 'utf8'));
    delete json.userDefinedMetadata;
    writeFileSync(join(foreign, 'model.json'), JSON.stringify(json));
    const cases: [string[], number, RegExp][] = [
      [['--images', rgb], 2, /is an RGB image; predict takes 28x28 8-bit grayscale PNGs/],
      [['--images', wide], 2, /is 32x28; predict takes 28x28 8-bit grayscale PNGs/],
      [['--images', text], 2, /is neither a PNG nor an IDX images file/],
      [['--images', join(dir, 'none.png')], 2, /none\.png does not exist/],
      [['--variant', 'full'], 2, /--variant full does not fit the model .*: it takes 14x28 halves/],
    ];
    for (const [args, code, message] of cases) {
      const run = await fmnist(['predict', '--model', model, ...args]);
      expect(run.code, args.join(' ')).toBe(code);
      expect(run.stderr).toMatch(message);
      expect(
        run.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('fmnist:')),
      ).toHaveLength(1);
    }
    const unknownHalf = await fmnist(['predict', '--model', foreign]);
    expect(unknownHalf.code).toBe(2);
    expect(unknownHalf.stderr).toMatch(
      /does not say which\. Pass --variant top or --variant bottom/,
    );
    const missing = await fmnist(['predict', '--model', join(dir, 'no-model')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /does not exist; point --model at a folder holding a saved model\.json/,
    );
  });
});

/** PNG's CRC-32 (ISO 3309), for hand-made chunks. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
