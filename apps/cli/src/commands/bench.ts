// `fmnist bench <kernels|train|study|seeds>`: runs one of the project's benchmarks (the scripts in
// packages/core/bench, packages/nn/bench and apps/cli/bench), each in its own process so its
// timings are not disturbed by this one. Their tables and progress go to stderr; the JSON
// each writes into its bench-results/ folder is the result (printed whole with --json).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';
import type { CommandModule } from '../command.js';
import { UsageError } from '../errors.js';

interface Benchmark {
  /** What it measures, for --help and the text output. */
  what: string;
  /** The script, relative to the repository root. */
  script: string;
  /** The JSON file the script writes, relative to the repository root. */
  results: string;
}

export const BENCHMARKS: Record<string, Benchmark> = {
  kernels: {
    what: 'GFLOP/s and µs per call of each matmul kernel, backend and mode',
    script: 'packages/core/bench/kernels.mjs',
    results: 'packages/core/bench-results/kernels.json',
  },
  train: {
    what: 'one epoch, SGD and Adam: custom engine against TensorFlow.js and PyTorch (1 thread)',
    script: 'packages/nn/bench/train.mjs',
    results: 'packages/nn/bench-results/train.json',
  },
  study: {
    what: 'the whole study against the same six trainings in PyTorch (1 thread): wall time, memory',
    script: 'apps/cli/bench/study-vs-torch.mjs',
    results: 'apps/cli/bench-results/study-vs-torch.json',
  },
  seeds: {
    what: 'time of a one-seed study, and the estimate for --seeds 5',
    script: 'apps/cli/bench/seeds.mjs',
    results: 'apps/cli/bench-results/seeds.json',
  },
};

/** The repository root, from this file's place in apps/cli/dist/commands/. */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function runScript(script: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    // The script's stdout goes to our stderr: our stdout holds only the result.
    const child = spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

export const benchCommand: CommandModule = {
  name: 'bench',
  summary: 'run a benchmark: kernels, train, study or seeds (JSON out)',
  description: [
    'Runs one of the benchmarks in its own process; its table and progress go to stderr, and the JSON it writes is the result (--json prints it). Compare figures as ratios within one run: the machine may be shared, and each benchmark records the load average beside its timings.',
    '',
    ...Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(8)} ${b.what}`),
  ].join('\n'),
  options: ['json', 'limit'],
  configure(command: Command) {
    command
      .argument('<which>', `the benchmark: ${Object.keys(BENCHMARKS).join(', ')}`)
      .addOption(new Option('--quick', 'kernels: fewer rounds, no 512³'));
  },
  async run(options, context) {
    const which = (options.args as string[] | undefined)?.[0] ?? '';
    const benchmark = BENCHMARKS[which];
    if (!benchmark) {
      throw new UsageError(
        `There is no benchmark '${which}'; use one of ${Object.keys(BENCHMARKS).join(', ')}`,
      );
    }
    const script = `${ROOT}${benchmark.script}`;
    if (!existsSync(script)) {
      throw new UsageError(
        `The benchmark script ${benchmark.script} is not here: \`fmnist bench\` runs from a checkout of the repository`,
      );
    }
    const args: string[] = [];
    if (options.quick) args.push('--quick');
    if (options.limit !== undefined) {
      if (which !== 'train') throw new UsageError('--limit applies to `fmnist bench train` only');
      args.push('--limit', String(options.limit));
    }
    context.log(`bench ${which}: ${benchmark.what}`);
    const code = await runScript(script, args);
    if (code !== 0) {
      return {
        json: null,
        text: '',
        failedCheck: `the ${which} benchmark failed (exit ${code}; its output is above)`,
      };
    }
    const results = `${ROOT}${benchmark.results}`;
    const json: unknown = JSON.parse(await readFile(results, 'utf8'));
    return { json, text: `bench ${which}: results in ${results}\n` };
  },
};
