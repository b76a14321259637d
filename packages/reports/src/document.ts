/**
 * The structured report document, and its rendering to one self-contained HTML page and to
 * Markdown. Writing it to disk (atomically) is in write-report.ts.
 */

import { ReportInputError } from './errors.js';
import { encodeHref, escapeXml, escapeMarkdownText as md } from './escape.js';
import { formatSeconds } from './format.js';
import type { Observation } from './observations.js';
import { bytesToBase64 } from './render.js';
import { renderTableHtml, renderTableMarkdown, type Table } from './tables.js';

export interface FigureBlock {
  type: 'figure';
  /** File name stem under figures/: letters, digits, '.', '_' or '-'; unique in the document. */
  name: string;
  caption?: string;
  /** Text for readers who cannot see the image; default the caption. */
  alt?: string;
  svg?: string;
  png?: Uint8Array;
  /** Which form the HTML page shows when both are given; default svg. */
  preferred?: 'svg' | 'png';
}

export type Block =
  | { type: 'paragraph'; text: string }
  | { type: 'list'; items: readonly string[] }
  /** Links to pages beside the report (relative paths only: the report makes no requests). */
  | { type: 'links'; items: readonly LinkItem[] }
  | { type: 'observations'; items: readonly Observation[] }
  | { type: 'table'; table: Table }
  | FigureBlock
  /** Preformatted text: a model summary, a classification report. */
  | { type: 'pre'; text: string; caption?: string };

export interface LinkItem {
  text: string;
  /** A relative path, e.g. `explain/base/report.html` (percent-encoded when rendered). */
  href: string;
  /** Plain text after the link. */
  note?: string;
}

export interface Section {
  heading: string;
  blocks: readonly Block[];
  sections?: readonly Section[];
}

/** What ran, where and how long; shown at the top of the report. */
export interface RunMetadata {
  engine: string;
  backend: string;
  seed: number;
  /** Seconds per phase, e.g. { "part 1": 120.5, total: 300.1 }. */
  durations?: Record<string, number>;
  /** Package and runtime versions, e.g. { node: "20.19.0", "@tensorflow/tfjs": "4.22.0" }. */
  versions?: Record<string, string>;
  /** When the run started, ISO 8601. */
  startedAt?: string;
  /** The command line that produced the report. */
  command?: string;
  /** Anything else worth recording, e.g. { limit: 5000 }. */
  extra?: Record<string, string | number | boolean>;
}

export interface ReportDocument {
  title: string;
  subtitle?: string;
  metadata: RunMetadata;
  sections: readonly Section[];
  /** Written verbatim as results.json: the same figures as data. */
  results?: unknown;
}

/** Anchors for headings: lower-case words joined by '-', made unique with a counter. */
/** A report links only to files beside it: an absolute URL or path is refused. */
function relativeHref(href: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('/') || href.startsWith('\\')) {
    throw new ReportInputError(
      `The link '${href}' is not relative: a report links only to files beside it. Pass a path relative to the report folder`,
    );
  }
  return href;
}

function slugger(): (text: string) => string {
  const seen = new Map<string, number>();
  return (text) => {
    const base =
      text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'section';
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}-${n}`;
  };
}

interface NumberedSection {
  section: Section;
  id: string;
  depth: number;
  children: NumberedSection[];
}

function numberSections(
  sections: readonly Section[],
  slug: (t: string) => string,
  depth = 2,
): NumberedSection[] {
  return sections.map((section) => ({
    section,
    id: slug(section.heading),
    depth,
    children: numberSections(section.sections ?? [], slug, Math.min(depth + 1, 6)),
  }));
}

function metadataRows(meta: RunMetadata): [string, string][] {
  const rows: [string, string][] = [
    ['Engine', meta.engine],
    ['Backend', meta.backend],
    ['Seed', String(meta.seed)],
  ];
  if (meta.startedAt) rows.push(['Started', meta.startedAt]);
  if (meta.command) rows.push(['Command', meta.command]);
  for (const [phase, seconds] of Object.entries(meta.durations ?? {}))
    rows.push([`Time: ${phase}`, formatSeconds(seconds)]);
  for (const [key, value] of Object.entries(meta.extra ?? {})) rows.push([key, String(value)]);
  if (meta.versions && Object.keys(meta.versions).length > 0) {
    rows.push([
      'Versions',
      Object.entries(meta.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// HTML

/**
 * `pre` holds Keras summaries drawn with box-drawing characters (┏━┃┡╇│├┼): at line-height 1
 * in a font that has them (DejaVu Sans Mono) their vertical strokes join from line to line.
 * Header text may wrap so that wide tables (`table.wide`) fit the page width.
 */
export const REPORT_CSS = `
:root { --text: #1f2328; --muted: #59636e; --rule: #d1d9e0; --accent: #0b5cad; --better: #e6f4ea; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--text); background: #fff;
  font: 16px/1.6 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .25rem; }
h2 { font-size: 1.5rem; margin: 2.5rem 0 .75rem; padding-bottom: .3rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
h4, h5, h6 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
p, ul { margin: .5rem 0 1rem; }
.subtitle { color: var(--muted); margin: 0 0 1.5rem; }
a { color: var(--accent); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.25rem; margin: 1rem 0 2rem;
  padding: .75rem 1rem; background: #f6f8fa; border: 1px solid var(--rule); border-radius: 6px; font-size: .92rem; }
dl.meta dt { font-weight: 600; color: var(--muted); }
dl.meta dd { margin: 0; }
nav.toc { margin: 0 0 2rem; padding: .75rem 1rem; border-left: 3px solid var(--accent); background: #fbfcfd; }
nav.toc h2 { font-size: 1rem; margin: 0 0 .25rem; border: 0; padding: 0; }
nav.toc ol { margin: 0; padding-left: 1.25rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .92rem; font-variant-numeric: tabular-nums; display: block; overflow-x: auto; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: .35rem; }
th, td { padding: .3rem .55rem; border-bottom: 1px solid var(--rule); text-align: left; white-space: nowrap; }
thead th { border-bottom: 2px solid var(--text); white-space: normal; vertical-align: bottom; }
table.wide { font-size: .82rem; }
table.wide th, table.wide td { padding: .25rem .4rem; }
.num { text-align: right; }
td.better { background: var(--better); }
.table-note { font-size: .85rem; color: var(--muted); margin-top: -.5rem; }
figure { margin: 1rem 0 1.5rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); border-radius: 4px; }
figure img.pixels { image-rendering: pixelated; }
figcaption { font-size: .9rem; color: var(--muted); margin-top: .35rem; }
pre { background: #f6f8fa; border: 1px solid var(--rule); border-radius: 6px; padding: .75rem 1rem; overflow-x: auto;
  font: 13px/1 "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; }
.pre-caption { font-weight: 600; margin-bottom: .25rem; }
ul.observations li { margin-bottom: .35rem; }
`;

function dataUri(mime: string, content: string | Uint8Array): string {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return `data:${mime};base64,${bytesToBase64(bytes)}`;
}

function figureHtml(block: FigureBlock): string {
  const alt = escapeXml(block.alt ?? block.caption ?? block.name);
  const useSvg = block.svg !== undefined && (block.preferred !== 'png' || block.png === undefined);
  const img = useSvg
    ? `<img src="${dataUri('image/svg+xml', block.svg!)}" alt="${alt}">`
    : `<img class="pixels" src="${dataUri('image/png', block.png!)}" alt="${alt}">`;
  const caption = block.caption ? `<figcaption>${escapeXml(block.caption)}</figcaption>` : '';
  return `<figure id="figure-${escapeXml(block.name)}">${img}${caption}</figure>`;
}

function blockHtml(block: Block): string {
  switch (block.type) {
    case 'paragraph':
      return `<p>${proseHtml(block.text)}</p>`;
    case 'list':
      return `<ul>${block.items.map((item) => `<li>${proseHtml(item)}</li>`).join('')}</ul>`;
    case 'links':
      return `<ul>${block.items.map((l) => `<li><a href="${escapeXml(encodeHref(relativeHref(l.href)))}">${escapeXml(l.text)}</a>${l.note ? ` ${escapeXml(l.note)}` : ''}</li>`).join('')}</ul>`;
    case 'observations':
      return `<ul class="observations">${block.items.map((o) => `<li>${escapeXml(o.text)}</li>`).join('')}</ul>`;
    case 'table':
      return renderTableHtml(block.table);
    case 'figure':
      return figureHtml(block);
    case 'pre':
      return `${block.caption ? `<div class="pre-caption">${escapeXml(block.caption)}</div>` : ''}<pre>${escapeXml(block.text)}</pre>`;
  }
}

function sectionHtml(s: NumberedSection): string {
  const tag = `h${s.depth}`;
  return [
    `<section id="${s.id}">`,
    `<${tag}>${escapeXml(s.section.heading)}</${tag}>`,
    ...s.section.blocks.map(blockHtml),
    ...s.children.map(sectionHtml),
    '</section>',
  ].join('\n');
}

function tocHtml(sections: readonly NumberedSection[]): string {
  if (sections.length === 0) return '';
  return `<ol>${sections
    .map(
      (s) =>
        `<li><a href="#${s.id}">${escapeXml(s.section.heading)}</a>${tocHtml(s.children)}</li>`,
    )
    .join('')}</ol>`;
}

/**
 * One self-contained page: CSS inline, every figure a data URI, no scripts and no external
 * requests; a table of contents links to every section.
 */
export function renderHtml(doc: ReportDocument): string {
  const sections = numberSections(doc.sections, slugger());
  const meta = metadataRows(doc.metadata)
    .map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(doc.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header>
<h1>${escapeXml(doc.title)}</h1>
${doc.subtitle ? `<p class="subtitle">${escapeXml(doc.subtitle)}</p>` : ''}
<dl class="meta">${meta}</dl>
</header>
<nav class="toc"><h2>Contents</h2>${tocHtml(sections)}</nav>
${sections.map(sectionHtml).join('\n')}
</main>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Markdown

/** The figure's file for Markdown: the PNG when there is one (every viewer shows it). */
export function figureFiles(block: FigureBlock): { svg?: string; png?: string } {
  return {
    ...(block.svg !== undefined ? { svg: `figures/${block.name}.svg` } : {}),
    ...(block.png !== undefined ? { png: `figures/${block.name}.png` } : {}),
  };
}

function blockMarkdown(block: Block): string {
  switch (block.type) {
    case 'paragraph':
      return md(block.text);
    case 'list':
      return block.items.map((item) => `- ${md(item)}`).join('\n');
    case 'links':
      return block.items
        .map(
          (l) =>
            `- [${md(l.text).replaceAll(']', '\\]')}](${encodeHref(relativeHref(l.href))})${l.note ? ` ${md(l.note)}` : ''}`,
        )
        .join('\n');
    case 'observations':
      return block.items.map((o) => `- ${md(o.text)}`).join('\n');
    case 'table':
      return renderTableMarkdown(block.table).trimEnd();
    case 'figure': {
      const files = figureFiles(block);
      const alt = md(block.alt ?? block.caption ?? block.name).replaceAll(']', '\\]');
      const image = `![${alt}](${files.png ?? files.svg})`;
      const links = files.png && files.svg ? ` ([SVG](${files.svg}))` : '';
      return block.caption ? `${image}\n\n*${md(block.caption)}*${links}` : `${image}${links}`;
    }
    case 'pre': {
      // A fence longer than any backtick run inside keeps the block closed where it should be.
      const longestRun = Math.max(2, ...(block.text.match(/`+/g) ?? []).map((run) => run.length));
      const fence = '`'.repeat(longestRun + 1);
      return `${block.caption ? `**${md(block.caption)}**\n\n` : ''}${fence}text\n${block.text.replace(/\n$/, '')}\n${fence}`;
    }
  }
}

function sectionMarkdown(s: NumberedSection): string {
  return [
    `${'#'.repeat(s.depth)} ${md(s.section.heading)}`,
    ...s.section.blocks.map(blockMarkdown),
    ...s.children.map(sectionMarkdown),
  ].join('\n\n');
}

function tocMarkdown(sections: readonly NumberedSection[], indent = ''): string[] {
  return sections.flatMap((s) => [
    `${indent}- [${md(s.section.heading)}](#${s.id})`,
    ...tocMarkdown(s.children, `${indent}  `),
  ]);
}

/** Prose as HTML: escaped, with Markdown's `code` spans (as report.md shows them) as <code>. */
function proseHtml(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part, i) =>
      i % 2 === 1 ? `<code>${escapeXml(part.slice(1, -1))}</code>` : escapeXml(part),
    )
    .join('');
}

/** The report as Markdown, figures linked to the files under figures/. */
export function renderMarkdown(doc: ReportDocument): string {
  const sections = numberSections(doc.sections, slugger());
  const meta = metadataRows(doc.metadata).map(
    ([k, v]) => `| ${md(k)} | ${md(v).replaceAll('|', '\\|')} |`,
  );
  return `${[
    `# ${md(doc.title)}`,
    ...(doc.subtitle ? [md(doc.subtitle)] : []),
    ['| Run | |', '| :--- | :--- |', ...meta].join('\n'),
    ['## Contents', '', ...tocMarkdown(sections)].join('\n'),
    ...sections.map(sectionMarkdown),
  ].join('\n\n')}\n`;
}

/** Every figure in the document, depth first, in reading order. */
export function collectFigures(sections: readonly Section[]): FigureBlock[] {
  return sections.flatMap((s) => [
    ...s.blocks.filter((b): b is FigureBlock => b.type === 'figure'),
    ...collectFigures(s.sections ?? []),
  ]);
}
