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
      `- [base <page>](${href}) (one training step)`,
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
