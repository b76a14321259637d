// docs/how-it-works.md quotes `fmnist explain` output. This keeps it true: every formula line it
// quotes (`| ...`) must still be in the layer's source file and in the command's output for the
// same arguments, every heading line it quotes must still be printed, and every relative link
// must point at a file that exists.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { memoryIo } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOC = join(ROOT, 'docs', 'how-it-works.md');
const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
const realData = existsSync(join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));

interface Excerpt {
  args: string[];
  lines: string[];
}

/** Each ```text block announced by `<!-- explain-excerpt: ARGS -->`. */
function excerpts(markdown: string): Excerpt[] {
  const out: Excerpt[] = [];
  const pattern = /<!-- explain-excerpt: (.*?) -->\n```text\n([\s\S]*?)\n```/g;
  for (const match of markdown.matchAll(pattern)) {
    out.push({ args: match[1]!.trim().split(/\s+/), lines: match[2]!.split('\n') });
  }
  return out;
}

const formulaLines = (lines: readonly string[]) =>
  lines.map((l) => l.trim()).filter((l) => l.startsWith('|'));

/** Lines naming a layer or section with its source file, e.g. `[2/5] dense (Dense, relu)    packages/...`. */
const headingLines = (lines: readonly string[]) =>
  lines.map((l) => l.trim()).filter((l) => /\spackages\/nn\/src\/\S+\.ts$/.test(l));

const doc = readFileSync(DOC, 'utf8');

describe('docs/how-it-works.md', () => {
  it('quotes explain output in at least three places, formulas included', () => {
    const found = excerpts(doc);
    expect(found.length).toBeGreaterThanOrEqual(3);
    for (const e of found)
      expect(formulaLines(e.lines).length, e.args.join(' ')).toBeGreaterThan(3);
  });

  it('quotes each formula line word for word from the source file it names', () => {
    for (const e of excerpts(doc)) {
      let source = '';
      for (const line of e.lines.map((l) => l.trim())) {
        const path = /\s(packages\/nn\/src\/\S+\.ts)$/.exec(line)?.[1];
        // The maths is a template literal (the module's FORMULA constant): its backticks are escaped.
        if (path) source = readFileSync(join(ROOT, path), 'utf8').replaceAll('\\`', '`');
        if (!line.startsWith('|')) continue;
        const text = line.replace(/^\|\s?/, '');
        expect(source, `${e.args.join(' ')}: "${text}"`).toContain(text);
      }
    }
  });

  it('links only to files that exist', () => {
    const links = [...doc.matchAll(/\]\((\.\.?\/[^)#\s]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    for (const link of links) {
      expect(existsSync(resolve(dirname(DOC), link)), link).toBe(true);
    }
  });

  it.skipIf(!realData)(
    'shows what `fmnist explain` prints today for the same arguments (formulas and headings)',
    async () => {
      for (const e of excerpts(doc)) {
        const { io, stdout, stderr } = memoryIo({});
        const code = await runCli(
          ['explain', ...e.args, '--data-dir', SYSTEM_DIR, '--no-reference'],
          io,
        );
        expect(code, stderr()).toBe(0);
        const printed = new Set(
          stdout()
            .split('\n')
            .map((l) => l.trim()),
        );
        for (const line of [...formulaLines(e.lines), ...headingLines(e.lines)]) {
          expect(printed.has(line), `${e.args.join(' ')}: "${line}"`).toBe(true);
        }
      }
    },
  );
});
