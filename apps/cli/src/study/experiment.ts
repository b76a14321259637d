/**
 * `fmnist run FILE`: an experiment file trained, compared and reported as `fmnist study` trains,
 * compares and reports the study, through the same trainer, lanes, seeds, explain pages, saved
 * models and atomic report. The file is read and checked before --out is claimed or anything is
 * loaded: a bad file costs nothing.
 */
import { readFile, stat } from 'node:fs/promises';
import { type ReportAttachment, type Section, writeReport } from '@fmnist/reports/node';
import {
  type Experiment,
  experimentJobs,
  experimentResult,
  type ModelJob,
  parseExperiment,
  plannedWork,
  studyJobs,
  UnknownModelError,
} from '@fmnist/study';
import {
  epochs,
  experimentSections,
  experimentText,
  type RunInfo,
  reportDocument,
  seedsSection,
  seedsText,
} from '@fmnist/study/report';
import type { CommandOptions, CommandOutput } from '../command.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { DEFAULT_OUT, DEFAULT_SEED, type Engine } from '../options.js';
import { claimOutFolder } from '../out-folder.js';
import { autoBackendForPlan } from '../runtime/backend-env.js';
import { explainInThread } from '../runtime/explain-thread.js';
import { type InterruptScope, withInterrupt } from '../runtime/interrupt.js';
import { sharedSplits } from '../runtime/shared-data.js';
import { seedCountOf, trainerFor } from '../seeds/study.js';
import { VERSION } from '../version.js';
import { commandLineTail, correctShare } from './execute.js';
import { formatElapsed } from './progress.js';
import { RunClock } from './run-clock.js';
import { savedModels } from './saved-models.js';

/** An experiment file is a page of JSON; more than this is not one. */
const MAX_FILE_BYTES = 1 << 20;

/** The file read and checked, with one line for what is wrong (exit 2). */
export async function readExperiment(file: string): Promise<Experiment> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      error.code === 'ENOENT'
        ? `${file}: no such experiment file; see experiments/ for examples`
        : `${file}: cannot be read (${error.code ?? error.message})`,
    );
  });
  if (!info.isFile())
    throw new UsageError(`${file}: is not a file; give an experiment's JSON file`);
  if (info.size > MAX_FILE_BYTES) {
    throw new UsageError(
      `${file}: ${info.size.toLocaleString('en-US')} bytes is too large for an experiment file (at most 1 MiB)`,
    );
  }
  const text = await readFile(file, 'utf8');
  return parseExperiment(text, file);
}

/** The jobs of the file, narrowed by --model, with --epochs; a wrong --model is exit 2. */
export function jobsOf(experiment: Experiment, file: string, options: CommandOptions): ModelJob[] {
  try {
    return experimentJobs(experiment, {
      epochs: options.epochs,
      model: typeof options.model === 'string' ? options.model : undefined,
    });
  } catch (error) {
    if (error instanceof UnknownModelError) {
      throw new UsageError(
        `--model ${error.requested}: ${file} has no such model; it has ${error.known.join(', ')}`,
      );
    }
    throw error;
  }
}

/** --seed when typed, else the file's seed, else the default (42). */
export function seedFor(options: CommandOptions, experiment: Experiment | undefined): number {
  const typed = Array.isArray(options.typed) && options.typed.includes('seed');
  if (typed && options.seed !== undefined) return options.seed;
  return experiment?.seed ?? options.seed ?? DEFAULT_SEED;
}

export async function executeExperiment(
  file: string,
  options: CommandOptions,
  context: CommandContext,
): Promise<CommandOutput> {
  const clock = new RunClock();
  // Read and checked first: a bad file is refused before --out is touched.
  const experiment = await readExperiment(file);
  const jobs = jobsOf(experiment, file, options);
  const out = options.out ?? DEFAULT_OUT;
  const engine: Engine = options.engine ?? 'custom';
  const seed = seedFor(options, experiment);
  const model = typeof options.model === 'string' ? options.model : undefined;
  const command = `fmnist run ${file}${commandLineTail(options)}`;
  const explain = options.explain !== false;
  const MiB = 2 ** 20;
  const folder = await claimOutFolder(out, {
    command,
    expectedBytes:
      (jobs.length * (0.5 + (explain ? 1 : 0) + (options.saveModels === true ? 0.5 : 0)) + 1) * MiB,
    dataDir: options.dataDir,
    context,
  });

  return withInterrupt(context.io, out, (scope) =>
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

    // What the file asks for, before it starts: a file that would take hours says so now.
    const images = data.train.count;
    const work = plannedWork(jobs, images);
    const study = plannedWork(studyJobs(), images);
    const seeds = seedCountOf(options);
    context.log(
      `${experiment.name}: ${jobs.length} model${jobs.length === 1 ? '' : 's'}, ${epochs(work.epochs)} in all over ${images.toLocaleString('en-US')} training images${seeds > 1 ? `, under ${seeds} seeds` : ''}: ${(work.imagePasses * seeds).toLocaleString('en-US')} image passes (the whole study is ${study.imagePasses.toLocaleString('en-US')}).`,
    );

    scope.setStage('training');
    // FMNIST_BACKEND=auto: measured here, once, on the first model; the workers build the winner.
    const auto = await autoBackendForPlan(context.io.env, engine, jobs, data.train, (line) =>
      context.log(line),
    );
    const chosen = auto && { name: auto.name, detail: auto.detail };
    const training = await trainerFor(seeds)(
      { engine, seed, jobs, ...(chosen ? { backend: chosen } : {}) },
      {
        io: context.io,
        dataDir: data.location.dir,
        limit: options.limit,
        data: sharedSplits(data),
        register: scope.register,
        onModel: (trained, progress) => {
          scope.setStage(`training (${trained.name} done)`);
          const accuracy = correctShare(trained.predictions, data.test.labels);
          progress.line(
            `${trained.name}: ${epochs(trained.epochsRun)} in ${formatElapsed(trained.seconds)}, best epoch ${trained.bestEpoch}, test accuracy ${accuracy.toFixed(4)}`,
          );
        },
      },
    );
    clock.lap('training');
    scope.setStage('writing the report');
    const result = experimentResult(
      experiment,
      jobs,
      training.models,
      data.test.labels,
      training.seeds,
    );
    const { models, comparisons } = result;
    // The explain pages in a thread of their own (runtime/explain-thread.ts), beside the
    // report's figures on this one.
    const explaining =
      explain &&
      explainInThread(
        models.map((r) => r.name),
        { data, seed, log: (line) => context.log(line), jobs },
      );
    // Awaited below; a failure before that must not go unhandled meanwhile.
    if (explaining) explaining.catch(() => {});
    const sections: Section[] = await experimentSections(result, data.test);
    const json: Record<string, unknown> = { experiment, models, comparisons };
    const text: string[] = [experimentText(result)];
    const seedsPart = result.seeds && (await seedsSection(result.seeds));
    if (result.seeds) text.push(seedsText(result.seeds));
    clock.lap('report figures');
    const attachments: ReportAttachment[] = [];
    if (explaining) {
      scope.setStage('writing the explain pages');
      const pages = await explaining;
      if (pages) {
        sections.push(pages.section);
        json.explain = pages.json;
        attachments.push(...pages.attachments);
      }
      clock.lap('explain pages');
    }
    if (seedsPart) sections.push(seedsPart);
    if (options.saveModels === true) {
      const saved = savedModels(training.models, models, jobs, { seed, command, version: VERSION });
      attachments.push(...saved.attachments);
      sections.push(saved.section);
      json.savedModels = saved.json;
    }

    const runInfo: RunInfo = clock.info({
      command,
      engine,
      backend: training.backend,
      backendDetail: training.backendDetail,
      seed,
      lanes: training.lanes,
      options,
      model,
    });
    json.run = {
      ...runInfo,
      file,
      ...(auto ? { backendMeasurements: auto.measurements } : {}),
    };
    const document = reportDocument(
      experiment.title ?? experiment.name,
      runInfo,
      sections,
      json,
      `An fmnist-lab experiment (${file}): ${jobs.length} dense network${jobs.length === 1 ? '' : 's'} on Fashion-MNIST, trained, compared and reported.`,
    );
    const written = await scope.finishing(() => {
      scope.setStage('writing the report');
      return writeReport(out, document, { attachments, folder });
    });
    json.report = { dir: written.dir, files: written.files };
    context.log(
      `\nReport written to ${written.dir}/report.html (and report.md, results.json, figures/) in ${formatElapsed(clock.elapsed)}; peak memory ${(runInfo.peakMemoryBytes / 2 ** 20).toFixed(0)} MiB.`,
    );
    text.push(`Report: ${written.dir}/report.html (also report.md, results.json, figures/)`);
    return { json, text: `${text.join('\n\n')}\n` };
  }
}
