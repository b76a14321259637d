// `fmnist bench`: runs a benchmark script in its own process and prints the JSON it wrote.
import { gpuJsModeAvailability } from '@fmnist/core/gpujs';
import { describe, expect, it } from 'vitest';
import { fmnist } from './helpers.js';

const GL_RUNNERS = new Set(['custom:gpujs:gl', 'custom:gpujs:headlessgl']);

describe('fmnist bench', () => {
  it('names the benchmarks when given an unknown one, exit 2', async () => {
    const run = await fmnist(['bench', 'nope']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      "fmnist: There is no benchmark 'nope'; use one of kernels, train, study, seeds. Run `fmnist bench --help` for the usage.",
    ]);
  });

  it('refuses --limit for a benchmark that does not take it, exit 2', async () => {
    const run = await fmnist(['bench', 'kernels', '--limit', '100']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--limit applies to `fmnist bench train` only/);
  });

  it('train --limit: one short epoch per engine, the JSON on stdout with the ratios', async () => {
    const run = await fmnist(['bench', 'train', '--limit', '640', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.samples).toBe(640);
    const runners = new Set(report.results.map((r: { runner: string }) => r.runner));
    expect(runners).toContain('custom:gpujs');
    expect(runners).toContain('tfjs:wasm');
    for (const r of report.results) {
      // A runner that cannot run here (PyTorch not installed) says why instead of timing.
      if (r.skipped !== undefined) expect(r.skipped).toMatch(/\S/);
      else expect(r.epochSeconds, r.runner).toBeGreaterThan(0);
    }
    // Every engine of the project itself ran; the GL ones only where the gl addon has a context
    // (CI runs the tests under xvfb-run): elsewhere, without a display, they say why.
    const gl = gpuJsModeAvailability('headlessgl');
    for (const r of report.results.filter(
      (x: { runner: string }) => !x.runner.startsWith('torch'),
    )) {
      if (GL_RUNNERS.has(r.runner) && !gl.available) expect(r.skipped, r.runner).toMatch(/\S/);
      else expect(r.skipped, r.runner).toBeUndefined();
    }
    expect(Object.keys(report.ratiosToTfjsWasm).length).toBeGreaterThan(0);
    // The PyTorch peer, where it runs, says how it is set up; on the reference BLAS no ratio is
    // drawn against it, on an optimized one every custom runner gets one.
    const peer = report.pytorch;
    if (peer.skipped === undefined) {
      expect(peer.setup.blasLibraries.length, JSON.stringify(peer.setup)).toBeGreaterThan(0);
      expect(peer.setup.threads).toBe(1);
      const ratios = Object.keys(report.ratiosToPytorch1Thread);
      if (peer.setup.blasKind === 'reference') {
        expect(peer.fair).toBe(false);
        expect(peer.leftOutOfRatios).toMatch(
          /reference BLAS .* Fix: apt-get install libopenblas0-pthread$/,
        );
        expect(ratios).toEqual([]);
      } else {
        expect(peer.fair).toBe(true);
        expect(ratios.length).toBeGreaterThan(0);
      }
    }
  });
});
