/**
 * @fmnist/study/report: the study's results rendered for people. The report's sections (data,
 * Part 1, Part 2, seed statistics, experiments, explain pages) as @fmnist/reports blocks, the
 * terminal's text of each, and explain's page beside explain's text. Pure functions of a
 * finished result, but for the explain pages, which are written through @fmnist/reports/node:
 * Node only (the root entry point stays browser-safe).
 */
export * from '../explain/page.js';
export * from '../node/explain-page.js';
export * from './data-section.js';
export * from './data-steps.js';
export * from './document.js';
export * from './experiment-section.js';
export * from './explain-section.js';
export { epochs } from './figures.js';
export * from './models.js';
export * from './part1-section.js';
export * from './part2-section.js';
export * from './seeds-section.js';
export * from './study.js';
export * from './text.js';
