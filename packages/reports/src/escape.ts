/** Text made safe to place inside HTML or SVG markup, in element content or a quoted attribute. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Text made safe for Markdown prose: Markdown passes raw HTML through, so `&`, `<` and `>`
 * outside code spans become entities (a path holding `<img onerror=...>` shows as text, never
 * as markup). Code spans (backticks) are left as they are: entities do not decode inside them.
 */
export function escapeMarkdownText(text: string): string {
  return text
    .split(/(`+[^`]*`+)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'),
    )
    .join('');
}

/**
 * A relative link target for Markdown and HTML: every character outside a plain path (letters,
 * digits, `/ . _ ~ -`) percent-encoded, so a space, `#`, `"` or `)` in a folder name neither
 * ends the link nor starts a fragment.
 */
export function encodeHref(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}
