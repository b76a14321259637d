// Every command of `fmnist`, in the order `fmnist --help` lists them. Only commands that
// exist are registered: add yours here once it runs. Each module is imported only when its
// command runs (see LazyCommand in command.ts): keep the summary the same as the module's.
import type { LazyCommand } from '../command.js';

export const COMMANDS: readonly LazyCommand[] = [
  {
    name: 'data',
    summary: 'load and split Fashion-MNIST; shapes, class distribution, pixel ranges, crops',
    load: async () => (await import('./data.js')).dataCommand,
  },
  {
    name: 'part1',
    summary: 'Part 1: train the 14x28 model on the top half and on the bottom half, and compare',
    load: async () => (await import('./part1.js')).part1Command,
  },
  {
    name: 'part2',
    summary: 'Part 2: base, early stopping, batch norm and dropout on the top half, compared',
    load: async () => (await import('./part2.js')).part2Command,
  },
  {
    name: 'study',
    summary: 'the whole study: data, Part 1 and Part 2, written as one report',
    load: async () => (await import('./study.js')).studyCommand,
  },
  {
    name: 'run',
    summary:
      'run an experiment file (your own models, crops and optimizers), reported like the study',
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    name: 'lab',
    summary: 'the lab page: train the study models live in your browser (served on 127.0.0.1)',
    load: async () => (await import('./lab.js')).labCommand,
  },
  {
    name: 'predict',
    summary: 'predict Fashion-MNIST images with a saved model (TF.js Layers format)',
    load: async () => (await import('./predict.js')).predictCommand,
  },
  {
    name: 'crosscheck',
    summary: 'compare the custom engine with TensorFlow.js layer by layer and through training',
    load: async () => (await import('./crosscheck.js')).crosscheckCommand,
  },
  {
    name: 'explain',
    summary: 'how each layer works inside: one real batch forward and backward, checked',
    load: async () => (await import('./explain.js')).explainCommand,
  },
  {
    name: 'bench',
    summary: 'run a benchmark: kernels, train, study or seeds (JSON out)',
    load: async () => (await import('./bench.js')).benchCommand,
  },
];
