// FMNIST_BACKEND=auto, as a user sets it: measured once in the main process, on real training
// steps of the run's first model, its table printed, the fastest kept for every worker, and the
// measurements kept in results.json.
import { describe, expect, it } from 'vitest';
import { fmnist } from './helpers.js';

interface Measurement {
  label: string;
  name: string;
  firstStepMs?: number;
  stepMs?: number;
  error?: string;
  chosen: boolean;
}

describe('FMNIST_BACKEND=auto', () => {
  it('times real steps of the first model on each gpu.js mode here and trains every model on the fastest', async () => {
    const run = await fmnist(['part1', '--limit', '500', '--epochs', '1', '--json'], {
      FMNIST_BACKEND: 'auto',
    });
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    const measured: Measurement[] = json.run.backendMeasurements;
    const timed = measured.filter((m) => m.stepMs !== undefined);
    // WebAssembly starts on every Node 20; gpujs:gl where headless-gl makes a context.
    expect(timed.map((m) => m.name)).toContain('gpujs:webasm');
    for (const m of measured) {
      if (m.error === undefined) expect(m.firstStepMs).toBeGreaterThan(0);
      else expect(m.stepMs).toBeUndefined();
    }
    const chosen = measured.filter((m) => m.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.stepMs).toBe(Math.min(...timed.map((m) => m.stepMs!)));
    // Both models trained on it, and the report says why.
    expect(json.run.backend).toBe(chosen[0]!.name);
    for (const m of json.models) expect(m.backend).toBe(chosen[0]!.name);
    expect(json.run.backendDetail).toMatch(/chosen by measurement: [\d.]+ ms per training step/);
    expect(run.stderr).toMatch(/FMNIST_BACKEND=auto: a few training steps of the first model/);
    expect(run.stderr).toContain(`* ${chosen[0]!.label}`);
  }, 120_000);
});
