/** Writing explain's page to disk: the Node side of explain/page.ts. */
import { join } from 'node:path';
import type { OutputFolder } from '@fmnist/files/node';
import { writeReport } from '@fmnist/reports/node';
import { explainDocument } from '../explain/page.js';
import type { Explanation } from '../explain/walk.js';

/** Writes an explanation already computed into a claimed page folder; returns its report.html. */
export async function writeExplanationPage(
  explanation: Explanation,
  folder: OutputFolder,
): Promise<string> {
  const written = await writeReport(folder.dir, await explainDocument(explanation), { folder });
  return join(written.dir, 'report.html');
}
