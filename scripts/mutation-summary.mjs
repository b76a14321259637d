#!/usr/bin/env node
// Summarises Stryker's JSON report (reports/mutation/mutation.json, mutation-testing-report-
// schema): the score of each mutated file and of all, and every surviving (or uncovered)
// mutant with its place and change, for packages/nn/MUTANTS.md. `--survivors` lists them.
import { readFileSync } from 'node:fs';

const report = JSON.parse(
  readFileSync(process.argv[2] ?? 'reports/mutation/mutation.json', 'utf8'),
);
const listSurvivors = process.argv.includes('--survivors');
const detected = new Set(['Killed', 'Timeout']);
const undetected = new Set(['Survived', 'NoCoverage']);
let allDetected = 0;
let allValid = 0;
const rows = [];
const survivors = [];
for (const [file, { mutants, source }] of Object.entries(report.files)) {
  let d = 0;
  let valid = 0;
  const lines = source.split('\n');
  for (const m of mutants) {
    if (detected.has(m.status)) d++;
    if (detected.has(m.status) || undetected.has(m.status)) valid++;
    if (undetected.has(m.status)) {
      const { start, end } = m.location;
      const original =
        start.line === end.line
          ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
          : `${lines[start.line - 1].slice(start.column - 1)}…`;
      survivors.push({
        file,
        line: start.line,
        mutator: m.mutatorName,
        status: m.status,
        original: original.trim().slice(0, 70),
        replacement: (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 70),
        id: m.id,
      });
    }
  }
  allDetected += d;
  allValid += valid;
  rows.push({ file, score: valid ? (100 * d) / valid : 100, detected: d, valid });
}
console.log('| file | score | killed or timed out / valid mutants |');
console.log('| --- | ---: | ---: |');
for (const r of rows.sort((a, b) => a.file.localeCompare(b.file))) {
  console.log(`| ${r.file} | ${r.score.toFixed(2)}% | ${r.detected} / ${r.valid} |`);
}
console.log(
  `| **all** | **${((100 * allDetected) / allValid).toFixed(2)}%** | ${allDetected} / ${allValid} |`,
);
if (listSurvivors) {
  console.log('');
  for (const s of survivors) {
    console.log(
      `${s.file}:${s.line} [${s.status}] ${s.mutator}: \`${s.original}\` -> \`${s.replacement}\` (id ${s.id})`,
    );
  }
}
