// Sums vitest's JSON reports (one per package, see vitest.shared.mjs) into the closing line
// `N passed, N failed, N skipped`; lists every skipped test's name, which says why it skips.
// Exits non-zero when a test failed, a suite failed to load, or no report was written.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.test-results';
let files = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.json'));
} catch {
  // no results folder: reported below as zero tests
}
let passed = 0;
let failed = 0;
let skipped = 0;
let brokenSuites = 0;
const skippedNames = [];
for (const file of files) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) brokenSuites++;
    for (const t of suite.assertionResults ?? []) {
      if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') {
        skippedNames.push(`${file.replace('.json', '')}: ${t.fullName}`);
      }
    }
  }
}
if (skippedNames.length > 0) {
  console.log('skipped tests (their names say why):');
  for (const name of skippedNames) console.log(`  - ${name}`);
}
if (brokenSuites > 0) console.log(`${brokenSuites} test file(s) failed to load`);
if (files.length === 0) console.log(`no test reports found in ${dir}`);
console.log(`${passed} passed, ${failed + brokenSuites} failed, ${skipped} skipped`);
process.exit(failed + brokenSuites > 0 || files.length === 0 ? 1 : 0);
