/**
 * @fmnist/reports/node: everything of @fmnist/reports, with resvg registered as the SVG
 * rasteriser (on import), and the report written to disk atomically.
 */
import './render.js';

export * from '../index.js';
export { resvgToPng } from './render.js';
export {
  type ReportAttachment,
  reportFiles,
  type WriteReportOptions,
  type WrittenReport,
  writeReport,
} from './write-report.js';
