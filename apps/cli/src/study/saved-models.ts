/**
 * `--save-models`: each trained model kept in the report folder as TensorFlow.js Layers files,
 * `models/<name>/model.json` and `models/<name>/group1-shard1of1.bin`. They are attachments of
 * the report, so they appear with it, atomically, or not at all; `fmnist predict --model
 * <out>/models/<name>` and `tf.loadLayersModel` read them.
 */
import type { ImageCrop } from '@fmnist/data';
import { MODEL_JSON, trainedModelFiles } from '@fmnist/nn';
import type { Block, Section } from '@fmnist/reports';
import type { ReportAttachment } from '@fmnist/reports/node';
import type { ModelJob, ModelResult, TrainedModel } from '@fmnist/study';
import { Option } from 'commander';

export function saveModelsOption(): Option {
  return new Option(
    '--save-models',
    'keep each trained model in <out>/models/<name>/ as TensorFlow.js Layers files (model.json and weights), for `fmnist predict` and tf.loadLayersModel',
  );
}

/** What model.json's userDefinedMetadata says of a study model (predict reads `crop`). */
export interface StudyModelMetadata {
  model: string;
  /** The study's part; absent for an experiment's models. */
  part?: string;
  /** A named crop (`top`) or a window `{ rows, cols }`. */
  crop: ImageCrop;
  seed: number;
  engine: string;
  backend: string;
  epochsRun: number;
  testAccuracy: number;
  command: string;
}

export interface SavedModels {
  attachments: ReportAttachment[];
  json: { name: string; path: string; testAccuracy: number }[];
  section: Section;
}

export function savedModels(
  trained: readonly TrainedModel[],
  results: readonly ModelResult[],
  jobs: readonly ModelJob[],
  run: { seed: number; command: string; version: string },
): SavedModels {
  const attachments: ReportAttachment[] = [];
  const json: SavedModels['json'] = [];
  for (const model of trained) {
    const job = jobs.find((j) => j.name === model.name);
    const result = results.find((r) => r.name === model.name);
    if (!job || !result) continue;
    const metadata: StudyModelMetadata = {
      model: model.name,
      ...(model.part ? { part: model.part } : {}),
      crop: model.crop,
      seed: run.seed,
      engine: model.engine,
      backend: model.backend,
      epochsRun: model.epochsRun,
      testAccuracy: result.test.accuracy,
      command: run.command,
    };
    const folder = `models/${model.name}`;
    const files = trainedModelFiles(job.spec, model.weights, {
      generatedBy: `fmnist-lab ${run.version}`,
      metadata: { fmnist: metadata },
    });
    for (const file of files)
      attachments.push({ path: `${folder}/${file.name}`, content: file.content });
    json.push({ name: model.name, path: folder, testAccuracy: result.test.accuracy });
  }
  const blocks: Block[] = [
    {
      type: 'paragraph',
      text: "Each trained model is kept in TensorFlow.js's Layers format: a model.json (the Keras topology and a weights manifest) and one float32 weights file. `fmnist predict --model <folder>` predicts with it; in JavaScript, `tf.loadLayersModel` reads it; `tensorflowjs_converter --input_format tfjs_layers_model --output_format keras` turns it into a Keras model.",
    },
    {
      type: 'links',
      items: json.map((m) => ({
        text: m.name,
        href: `${m.path}/${MODEL_JSON}`,
        note: `test accuracy ${m.testAccuracy.toFixed(4)}`,
      })),
    },
  ];
  return { attachments, json, section: { heading: 'Saved models', blocks } };
}
