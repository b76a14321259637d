/**
 * The study report's "Inside each model" section: one `fmnist explain` page per model, carried
 * inside the report folder (`explain/<model>/`) as attachments, so they are written with the
 * report, atomically, or not at all; each walks one real batch through the model as the study
 * built it.
 */
import type { FashionMnist } from '@fmnist/data';
import type { LinkItem, Section } from '@fmnist/reports';
import type { ReportAttachment } from '@fmnist/reports/node';
import { explainLink, explainPageFiles } from '../explain/page.js';
import { EXPLAIN_MODELS, type ModelJob } from '../index.js';

/** The batch the pages walk through: the study's own batch size. */
const EXPLAIN_BATCH = 32;

export interface ExplainPages {
  section: Section;
  json: { pages: { model: string; href: string }[] };
  /** The pages' files, under explain/<model>/, for writeReport. */
  attachments: ReportAttachment[];
}

export async function explainPages(
  models: readonly string[],
  options: {
    data: FashionMnist;
    seed: number;
    log: (line: string) => void;
    /** An experiment's jobs: its models are explained as the file defines them. */
    jobs?: readonly ModelJob[];
  },
): Promise<ExplainPages | null> {
  const known: readonly string[] = options.jobs ? options.jobs.map((j) => j.name) : EXPLAIN_MODELS;
  const names = [...new Set(models)].filter((m) => known.includes(m));
  if (names.length === 0) return null;
  const links: LinkItem[] = [];
  const attachments: ReportAttachment[] = [];
  for (const model of names) {
    // A page is a long synchronous step: let the event loop turn between pages, so that a
    // signal, or a training worker that finished while the pages are written, is answered.
    await new Promise((resolve) => setImmediate(resolve));
    options.log(`explain page: ${model}`);
    attachments.push(
      ...(await explainPageFiles(model, {
        data: options.data,
        seed: options.seed,
        batchSize: EXPLAIN_BATCH,
        ...jobOf(options.jobs, model),
      })),
    );
    links.push({
      text: model,
      href: explainLink(model),
      note: `: one training step of ${model} on the first ${EXPLAIN_BATCH} training images, layer by layer, with its finite-difference checks and the TensorFlow.js reference beside it`,
    });
  }
  return {
    section: {
      heading: 'Inside each model',
      blocks: [
        {
          type: 'paragraph',
          text: `How each layer works inside: a page per model (the same as \`fmnist explain --model NAME --html\`), from the model's initial weights for seed ${options.seed}, in the report's explain/ folder.`,
        },
        { type: 'links', items: links },
      ],
    },
    json: { pages: links.map((l) => ({ model: l.text, href: l.href })) },
    attachments,
  };
}

function jobOf(jobs: readonly ModelJob[] | undefined, model: string): { job?: ModelJob } {
  const job = jobs?.find((j) => j.name === model);
  return job ? { job } : {};
}
