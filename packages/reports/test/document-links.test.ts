import { describe, expect, it } from 'vitest';
import { type ReportDocument, renderHtml, renderMarkdown } from '../src/document.js';
import { ReportInputError } from '../src/errors.js';

function withLinks(href: string): ReportDocument {
  return {
    title: 'Links',
    metadata: { engine: 'custom', backend: 'js', seed: 1 },
    sections: [
      {
        heading: 'Inside each model',
        blocks: [
          {
            type: 'links',
            items: [{ text: 'base <page>', href, note: '(one training step)' }],
          },
        ],
      },
    ],
  };
}

describe('links to pages beside the report', () => {
  it('renders a relative link in HTML (escaped) and in Markdown', () => {
    const href = '../fmnist-report-explain/base/report.html';
    const html = renderHtml(withLinks(href));
    expect(html).toContain(`<a href="${href}">base &lt;page&gt;</a> (one training step)`);
    expect(renderMarkdown(withLinks(href))).toContain(
      `- [base &lt;page&gt;](${href}) (one training step)`,
    );
  });

  it.each([
    'https://example.org/x.html',
    '/etc/passwd',
    'file:///tmp/x.html',
    'javascript:alert(1)',
  ])('refuses the non-relative link %s', (href) => {
    expect(() => renderHtml(withLinks(href))).toThrow(ReportInputError);
    expect(() => renderMarkdown(withLinks(href))).toThrow(/not relative/);
  });
});

describe('paths a user typed, in report.md and report.html', () => {
  const hostile = '/tmp/<img src=x onerror=alert(1)>';
  const doc: ReportDocument = {
    title: 'Paths',
    metadata: {
      engine: 'custom',
      backend: 'js',
      seed: 1,
      command: `fmnist study --data-dir ${hostile} --out "/tmp/a b"`,
    },
    sections: [
      {
        heading: 'Data',
        blocks: [
          {
            type: 'paragraph',
            text: `Read from ${hostile}; run \`fmnist data --data-dir <dir>\`.`,
          },
          { type: 'list', items: [`cache: ${hostile}`] },
          { type: 'links', items: [{ text: 'page', href: 'rep#1/a "b"/(c).html' }] },
        ],
      },
    ],
  };

  it('never carries raw markup into report.md, outside code spans', () => {
    const md = renderMarkdown(doc);
    expect(md).not.toContain('<img');
    expect(md).toContain('Read from /tmp/&lt;img src=x onerror=alert(1)&gt;;');
    expect(md).toContain('- cache: /tmp/&lt;img');
    expect(md).toContain('--data-dir /tmp/&lt;img src=x onerror=alert(1)&gt; --out "/tmp/a b"');
    // inside a code span the text stays as typed: entities would show literally there
    expect(md).toContain('`fmnist data --data-dir <dir>`');
  });

  it('percent-encodes link targets: a #, quote, space or parenthesis in a folder name stays in the path', () => {
    const encoded = 'rep%231/a%20%22b%22/%28c%29.html';
    expect(renderMarkdown(doc)).toContain(`- [page](${encoded})`);
    expect(renderHtml(doc)).toContain(`<a href="${encoded}">page</a>`);
    expect(renderHtml(doc)).not.toContain('<img src=x');
  });
});

describe('code spans in prose', () => {
  it('become <code> in report.html (escaped inside), as report.md shows them', () => {
    const doc: ReportDocument = {
      title: 'Code',
      metadata: { engine: 'custom', backend: 'js', seed: 1 },
      sections: [
        {
          heading: 'h',
          blocks: [{ type: 'paragraph', text: 'Run `fmnist predict --model <folder>` & see.' }],
        },
      ],
    };
    expect(renderHtml(doc)).toContain(
      '<p>Run <code>fmnist predict --model &lt;folder&gt;</code> &amp; see.</p>',
    );
  });
});
