// The page's CSS, checked by rule: what a screenshot showed wrong must not come back.
import { describe, expect, it } from 'vitest';
import { type ReportDocument, renderHtml } from '../src/document.js';

const SUMMARY = [
  '┏━━━━━━┳━━━━━┓',
  '┃ a    ┃ b   ┃',
  '┡━━━━━━╇━━━━━┩',
  '│ x    │ 1   │',
  '└──────┴─────┘',
].join('\n');

const doc: ReportDocument = {
  title: 'Style',
  metadata: { engine: 'custom', backend: 'js', seed: 1 },
  sections: [{ heading: 'Model', blocks: [{ type: 'pre', text: SUMMARY }] }],
};

/** The declarations of the first rule whose selector is exactly `selector`. */
function rule(html: string, selector: string): string {
  const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?:^|\\n)${escaped}\\s*\\{([^}]*)\\}`).exec(css);
  if (!match) throw new Error(`no CSS rule for ${selector}`);
  return match[1]!;
}

describe('report CSS', () => {
  const html = renderHtml(doc);

  it('sets pre at line-height 1 in DejaVu Sans Mono, so box-drawing lines join', () => {
    expect(html).toContain('<pre>┏━━━━━━┳━━━━━┓\n┃ a    ┃ b   ┃');
    const pre = rule(html, 'pre');
    // font shorthand: size/line-height family
    const font = /font:\s*([\d.]+px)\/([\d.]+)\s+([^;]+);/.exec(pre);
    expect(font).not.toBeNull();
    expect(Number(font![2])).toBe(1);
    expect(font![3]!.split(',')[0]!.trim()).toBe('"DejaVu Sans Mono"');
  });

  it('lets header text wrap, and sets wide tables smaller, so they fit the page', () => {
    expect(rule(html, 'thead th')).toMatch(/white-space:\s*normal/);
    expect(rule(html, 'table.wide')).toMatch(/font-size:\s*\.8\d?rem/);
  });
});
