/**
 * What `fmnist data`, `part1`, `part2` and `study` share: load the data, run the data steps
 * and/or train the planned models (in the worker), turn the results into JSON, text and the
 * report, and write the report atomically into --out. Ctrl-C at any point stops cleanly.
 */
import { type ReportAttachment, type Section, writeReport } from '@fmnist/reports/node';
import { type Part, planJobs, studyResult, type TrainedModel } from '@fmnist/study';
import type { BackendMeasurement } from '@fmnist/study/backend-choice';
import {
  dataSection,
  dataSteps,
  type ExplainPages,
  epochs,
  part2Section,
  type RunInfo,
  reportDocument,
  seedsSection,
  seedsText,
  studySections,
  studyTexts,
} from '@fmnist/study/report';
import type { CommandOptions, CommandOutput } from '../command.js';
import type { CommandContext } from '../context.js';
import { DEFAULT_OUT, DEFAULT_SEED, type Engine } from '../options.js';
import { claimOutFolder } from '../out-folder.js';
import { autoBackendForPlan } from '../runtime/backend-env.js';
import { explainInThread } from '../runtime/explain-thread.js';
import { type InterruptScope, withInterrupt } from '../runtime/interrupt.js';
import { sharedSplits } from '../runtime/shared-data.js';
import { seedCountOf, trainerFor } from '../seeds/study.js';
import { VERSION } from '../version.js';
import { formatElapsed } from './progress.js';
import { RunClock } from './run-clock.js';
import { savedModels } from './saved-models.js';

export type StudyCommandName = 'data' | 'part1' | 'part2' | 'study';

const PARTS: Record<StudyCommandName, Part[]> = {
  data: [],
  part1: ['part1'],
  part2: ['part2'],
  study: ['part1', 'part2'],
};

const TITLES: Record<StudyCommandName, string> = {
  data: 'Fashion-MNIST: the data',
  part1: 'Fashion-MNIST, Part 1: which half of the image carries the information',
  part2: 'Fashion-MNIST, Part 2: regularisation on the top half',
  study: 'Fashion-MNIST: feature subsets and regularisation for small dense networks',
};

export async function executeStudy(
  name: StudyCommandName,
  options: CommandOptions,
  context: CommandContext,
): Promise<CommandOutput> {
  const clock = new RunClock();
  const out = options.out ?? DEFAULT_OUT;
  const engine: Engine = options.engine ?? 'custom';
  const seed = options.seed ?? DEFAULT_SEED;
  const model = typeof options.model === 'string' ? options.model : undefined;
  // Checked before anything is loaded: a wrong --model is a usage error, exit 2.
  const jobs = planJobs(PARTS[name], { epochs: options.epochs, model });
  const command = `fmnist ${name}${commandLineTail(options)}`;
  // Claimed before anything is loaded: a folder that cannot take the report is found now, and
  // no other run writes it until this one is done.
  const folder = await claimOutFolder(out, {
    command,
    expectedBytes: expectedReportBytes(name, jobs.length, options.saveModels === true),
    dataDir: options.dataDir,
    context,
  });
  const withData = name === 'data' || name === 'study';
  const quiet = name === 'data';

  return withInterrupt(context.io, out, (scope) =>
    // The folder is given up when the work fails (a written one releases itself).
    run(scope).catch(async (error: unknown) => {
      await folder.release();
      throw error;
    }),
  );

  async function run(scope: InterruptScope): Promise<CommandOutput> {
    scope.setStage('loading the data');
    clock.start();
    const data = await context.loadData({ dataDir: options.dataDir, limit: options.limit });
    clock.lap('loading the data');

    const sections: Section[] = [];
    const json: Record<string, unknown> = {};
    const text: string[] = [];
    let dataFigures: string[] = [];
    if (withData) {
      scope.setStage('drawing the data figures');
      const steps = dataSteps(data);
      const drawn = await dataSection(data, steps.json);
      sections.push(drawn.section);
      dataFigures = drawn.figures;
      json.data = { ...steps.json, figures: dataFigures };
      text.push(steps.text.trimEnd());
      clock.lap('data steps and figures');
    }

    let backend = '';
    let backendDetail = '';
    let lanes = 0;
    let measured: BackendMeasurement[] | undefined;
    const attachments: ReportAttachment[] = [];
    if (jobs.length > 0) {
      scope.setStage('training');
      // FMNIST_BACKEND=auto: measured here, once, on the first model; the workers build the winner.
      const auto = await autoBackendForPlan(context.io.env, engine, jobs, data.train, (line) =>
        context.log(line),
      );
      const chosen = auto && { name: auto.name, detail: auto.detail };
      measured = auto?.measurements;
      // `fmnist study` links one explain page per model (--no-explain skips them). A page
      // depends on the data and the seed only, not on the training, so a thread of their own
      // writes them as soon as a lane runs out of models to train (its worker gone, its core
      // free), or else after training, beside the report's figures (runtime/explain-thread.ts).
      const pages: { explaining?: Promise<Settled<ExplainPages | null>> } = {};
      const startExplaining = (log: (line: string) => void) => {
        if (name !== 'study' || options.explain === false || pages.explaining) return;
        pages.explaining = settle(
          explainInThread(
            jobs.map((job) => job.name),
            { data, seed, log },
          ),
        );
      };
      // One seed: Part 2's section is rendered as soon as its last model arrives, while Part 1's
      // models still train (its figures were otherwise the last work after training). It is a
      // function of Part 2's models only, so it is the section studySections would render.
      const part2Jobs = jobs.filter((job) => job.part === 'part2');
      const part2Done: TrainedModel[] = [];
      let part2Ready: Promise<Section> | undefined;
      const renderPart2Early = (trained: TrainedModel) => {
        if (seedCountOf(options) > 1 || trained.part !== 'part2') return;
        part2Done.push(trained);
        if (part2Done.length !== part2Jobs.length || part2Done.length === jobs.length) return;
        const order = part2Jobs.map((job) => job.name);
        part2Done.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
        const part2 = studyResult(['part2'], part2Done, data.test.labels).part2;
        if (part2) part2Ready = part2Section(part2, data.test);
        // Awaited with the report; a failure must not go unhandled until then.
        part2Ready?.catch(() => {});
      };
      // --seeds N: every model under N seeds (seeds/); the first seed's runs fill the sections.
      const training = await trainerFor(seedCountOf(options))(
        { engine, seed, jobs, ...(chosen ? { backend: chosen } : {}) },
        {
          io: context.io,
          dataDir: data.location.dir,
          limit: options.limit,
          data: sharedSplits(data),
          register: scope.register,
          onLaneIdle: startExplaining,
          onModel: (trained, progress) => {
            scope.setStage(`training (${trained.name} done)`);
            const accuracy = correctShare(trained.predictions, data.test.labels);
            progress.line(
              `${trained.name}: ${epochs(trained.epochsRun)} in ${formatElapsed(trained.seconds)}, best epoch ${trained.bestEpoch}, test accuracy ${accuracy.toFixed(4)}`,
            );
            renderPart2Early(trained);
          },
        },
      ).catch(async (error: unknown) => {
        await pages.explaining; // pages under way finish before the error goes up
        throw error;
      });
      startExplaining((line) => context.log(line));
      backend = training.backend;
      backendDetail = training.backendDetail;
      lanes = training.lanes;
      clock.lap('training');
      scope.setStage('writing the report');
      const result = studyResult(PARTS[name], training.models, data.test.labels, training.seeds);
      // The JSON always has the parts run (tools rely on its shape); the report and the text
      // leave out a part whose models --model skipped.
      if (result.part1) json.part1 = result.part1;
      if (result.part2) json.part2 = result.part2;
      sections.push(
        ...(await studySections(result, data.test, part2Ready ? { part2: part2Ready } : {})),
      );
      text.push(...studyTexts(result));
      const seeds = result.seeds && (await seedsSection(result.seeds));
      if (result.seeds) text.push(seedsText(result.seeds));
      clock.lap('report figures');
      // The explain pages, written during training, in a section before the closing seeds
      // section.
      if (pages.explaining) {
        scope.setStage('writing the explain pages');
        const settled = await pages.explaining;
        if ('error' in settled) throw settled.error;
        const explained = settled.value;
        if (explained) {
          sections.push(explained.section);
          json.explain = explained.json;
          attachments.push(...explained.attachments);
        }
        clock.lap('explain pages');
      }
      if (seeds) sections.push(seeds);
      // --save-models: the first seed's models, written into the report folder with it.
      if (options.saveModels === true) {
        const saved = savedModels(training.models, result.models, jobs, {
          seed,
          command,
          version: VERSION,
        });
        attachments.push(...saved.attachments);
        sections.push(saved.section);
        json.models = saved.json;
      }
    }

    const run: RunInfo = clock.info({
      command,
      engine,
      backend,
      backendDetail,
      seed,
      lanes,
      options,
      model,
    });
    json.run = measured ? { ...run, backendMeasurements: measured } : run;
    const document = reportDocument(TITLES[name], run, sections, json);
    // A signal during the write lets it finish (it is whole in a moment) before the run stops.
    const written = await scope.finishing(() => {
      scope.setStage('writing the report');
      return writeReport(out, document, { attachments, folder });
    });
    json.report = { dir: written.dir, files: written.files };
    if (!quiet) {
      context.log(
        `\nReport written to ${written.dir}/report.html (and report.md, results.json, figures/) in ${formatElapsed(clock.elapsed)}; peak memory ${(run.peakMemoryBytes / 2 ** 20).toFixed(0)} MiB.`,
      );
    }
    text.push(`Report: ${written.dir}/report.html (also report.md, results.json, figures/)`);
    // `fmnist part1 --json` prints the part's own document ({ models, ... }); study prints all.
    const document_json =
      name === 'part1' || name === 'part2'
        ? { ...(json[name] as object), run: json.run, report: json.report }
        : name === 'data'
          ? { ...(json.data as object), report: json.report }
          : json;
    return { json: document_json, text: `${text.join('\n\n')}\n` };
  }
}

/**
 * What a report usually takes on disk, with room to spare, checked against the free space
 * before the work: the data figures about 1 MiB, a trained model's section about 0.5 MiB and its
 * explain page about 1 MiB, a saved model about 0.5 MiB.
 */
function expectedReportBytes(name: StudyCommandName, models: number, saveModels: boolean): number {
  const MiB = 2 ** 20;
  const data = name === 'data' || name === 'study' ? 1 : 0;
  const explain = name === 'study' ? models : 0;
  return (data + models * 0.5 + explain + (saveModels ? models * 0.5 : 0) + 1) * MiB;
}

export function correctShare(predictions: Int32Array, labels: Uint8Array): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct / labels.length;
}

/** The options as typed, for the report's "Command" line (defaults left out). */
export function commandLineTail(options: CommandOptions): string {
  const parts: string[] = [];
  if (options.json) parts.push('--json');
  if (options.engine && options.engine !== 'custom') parts.push(`--engine ${options.engine}`);
  const seedTyped = Array.isArray(options.typed) && options.typed.includes('seed');
  if (options.seed !== undefined && (options.seed !== DEFAULT_SEED || seedTyped))
    parts.push(`--seed ${options.seed}`);
  if (seedCountOf(options) > 1) parts.push(`--seeds ${seedCountOf(options)}`);
  if (options.limit !== undefined) parts.push(`--limit ${options.limit}`);
  if (options.epochs !== undefined) parts.push(`--epochs ${options.epochs}`);
  if (typeof options.model === 'string') parts.push(`--model ${options.model}`);
  if (options.dataDir !== undefined) parts.push(`--data-dir ${options.dataDir}`);
  if (options.out !== undefined && options.out !== DEFAULT_OUT) parts.push(`--out ${options.out}`);
  if (options.saveModels === true) parts.push('--save-models');
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** A promise's outcome as a value, so that a failure waits for its turn instead of going unhandled. */
type Settled<T> = { value: T } | { error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
