import type { ReportDocument } from '../src/document.js';

/** A tiny document: one table, one SVG+PNG figure, one preformatted block. */
export function tinyDocument(title = 'Report'): ReportDocument {
  return {
    title,
    metadata: {
      engine: 'tf',
      backend: 'wasm',
      seed: 1,
      durations: { total: 12.5 },
      versions: { node: '20' },
    },
    sections: [
      {
        heading: 'Results & <things>',
        blocks: [
          { type: 'paragraph', text: 'A <b>bold</b> claim & more.' },
          {
            type: 'table',
            table: {
              columns: [{ header: 'a', align: 'left' }],
              rows: [[{ text: '1', highlight: true }]],
            },
          },
          {
            type: 'figure',
            name: 'chart',
            caption: 'A chart',
            svg: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
            png: Buffer.from('not really a png'),
          },
          { type: 'pre', caption: 'report', text: '   precision\n\n  a  ```  1.00\n' },
        ],
        sections: [
          { heading: 'Results & <things>', blocks: [{ type: 'list', items: ['one', 'two'] }] },
        ],
      },
    ],
    results: { accuracy: 0.9, predictions: Uint8Array.from([1, 2, 3]) },
  };
}
