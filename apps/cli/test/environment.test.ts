// The environment is checked at start-up: a wrong value is a usage error (exit 2), one line
// naming the variable and what it takes, before any command runs.
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import type { CommandModule } from '../src/command.js';
import { memoryIo } from './helpers.js';

let ran = false;
const probe: CommandModule = {
  name: 'probe',
  summary: 'records that it ran',
  options: [],
  async run() {
    ran = true;
    return { json: {}, text: 'ran\n' };
  },
};

async function run(env: Record<string, string | undefined>) {
  const io = memoryIo(env);
  ran = false;
  const code = await runCli(['probe'], io.io, [probe]);
  return { code, stderr: io.stderr(), ran };
}

describe('environment variables, checked at start-up', () => {
  it.each([
    [
      { FMNIST_BACKEND: 'foo' },
      'FMNIST_BACKEND=foo is not a backend; set it to one of js, gpujs, gpujs:webasm, gpujs:cpu, gpujs:headlessgl, gpujs:gl, auto, or unset it for gpujs.',
    ],
    [
      { FMNIST_BACKEND: 'gpujs:foo' },
      'FMNIST_BACKEND=gpujs:foo is not a backend; set it to one of js, gpujs, gpujs:webasm, gpujs:cpu, gpujs:headlessgl, gpujs:gl, auto, or unset it for gpujs.',
    ],
    [
      { FMNIST_TF_BACKEND: 'webgl' },
      'FMNIST_TF_BACKEND=webgl is not a TensorFlow.js backend; set it to one of tensorflow, wasm, cpu, or unset it.',
    ],
    [
      { FMNIST_WORKERS: '0' },
      'FMNIST_WORKERS=0 is not a number of workers; set it to a whole number of 1 or more, or unset it.',
    ],
    [
      { FMNIST_MIRRORS: 'https://ok.example/fm/,not a url' },
      "FMNIST_MIRRORS holds 'not a url', which is not an http or https URL; set it to comma-separated base URLs, or unset it.",
    ],
  ])('%o: exit 2, one line, nothing run', async (env, line) => {
    const result = await run(env);
    expect(result.code).toBe(2);
    expect(result.ran).toBe(false);
    expect(result.stderr).toBe(`fmnist: ${line} Run \`fmnist probe --help\` for the usage.\n`);
  });

  it('accepts the valid values and empty ones', async () => {
    for (const env of [
      { FMNIST_BACKEND: 'gpujs:webasm', FMNIST_TF_BACKEND: 'cpu', FMNIST_WORKERS: '2' },
      { FMNIST_BACKEND: '', FMNIST_MIRRORS: 'https://a.example/x/, http://b.example/y' },
    ]) {
      const result = await run(env);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.ran).toBe(true);
    }
  });
});
