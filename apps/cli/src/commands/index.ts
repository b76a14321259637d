// Every command of `fmnist`, in the order `fmnist --help` lists them. Only commands that
// exist are registered: add yours here once it runs.
import type { CommandModule } from '../command.js';
import { crosscheckCommand } from './crosscheck.js';
import { dataCommand } from './data.js';
import { explainCommand } from './explain.js';
import { part1Command } from './part1.js';
import { part2Command } from './part2.js';
import { studyCommand } from './study.js';

export const COMMANDS: readonly CommandModule[] = [
  dataCommand,
  part1Command,
  part2Command,
  studyCommand,
  crosscheckCommand,
  explainCommand,
];
