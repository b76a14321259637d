// How training progress reads on stderr: Keras's lines per epoch, and on a terminal a status
// line redrawn in place that never wraps.

import type { ProgressInfo } from '@fmnist/study';
import { describe, expect, it } from 'vitest';
import { ProgressRenderer } from '../src/study/progress.js';

function stderr(isTTY: boolean, columns = 100, env: Record<string, string> = {}) {
  const written: string[] = [];
  const stream = {
    isTTY,
    columns,
    write: (chunk: string) => {
      written.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream & { isTTY: boolean };
  return { io: { stdout: stream, stderr: stream, env }, written };
}

const progress = (step: number, logs: Record<string, number>): ProgressInfo => ({
  epoch: 2,
  epochs: 15,
  step,
  steps: 1563,
  elapsedSeconds: 6.2,
  secondsPerStep: 0.004,
  logs,
});

describe('ProgressRenderer', () => {
  it('off a terminal: per epoch, where the run stands and Keras’s line; no redraws', () => {
    const { io, written } = stderr(false);
    const renderer = new ProgressRenderer(io, 6);
    renderer.modelBegin('base', 'top half, Adam');
    renderer.batch('base', progress(700, { accuracy: 0.8, loss: 0.5 }));
    renderer.epochEnd(
      'base',
      progress(1563, { accuracy: 0.8571, loss: 0.3905, val_accuracy: 0.846, val_loss: 0.4213 }),
    );
    const text = written.join('');
    expect(text).not.toMatch(/\r/);
    expect(text).toMatch(/\nbase \(1 of 6\): top half, Adam\n/);
    expect(text).toMatch(
      /Epoch 3\/15 · base \(1 of 6\) · [\d.]+s elapsed\n1563\/1563 ━{20} 6s 4ms\/step - accuracy: 0\.8571 - loss: 0\.3905 - val_accuracy: 0\.8460 - val_loss: 0\.4213\n/,
    );
  });

  it('numbers a model by its place in the plan, whichever worker starts first', () => {
    const { io, written } = stderr(false);
    const renderer = new ProgressRenderer(io, ['top', 'bottom']);
    renderer.modelBegin('bottom', 'bottom half');
    renderer.modelBegin('top', 'top half');
    renderer.epochEnd('bottom', progress(1563, { accuracy: 0.8, loss: 0.5 }));
    const text = written.join('');
    expect(text).toMatch(/\nbottom \(2 of 2\): bottom half\n/);
    expect(text).toMatch(/\ntop \(1 of 2\): top half\n/);
    expect(text).toMatch(/Epoch 3\/15 · bottom \(2 of 2\)/);
  });

  it('on a terminal: two models share one status line that fits the width', () => {
    const { io, written } = stderr(true, 90);
    const renderer = new ProgressRenderer(io, 6);
    renderer.modelBegin('base', '');
    renderer.modelBegin('early-stopping', '');
    renderer.batch('base', progress(700, { accuracy: 0.8, loss: 0.5 }));
    renderer.batch('early-stopping', progress(900, { accuracy: 0.8, loss: 0.5 }));
    const status = written.at(-1)!;
    expect(status).toMatch(/^base 3\/15 +700\/1563 .* \| early-stopping 3\/15 +900\/1563 /);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes take no room
    expect(status.replace(/\x1b\[[0-9;]*m/g, '').length).toBeLessThan(90);
    renderer.finish();
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  // biome-ignore lint/suspicious/noControlCharactersInRegex: the colour codes themselves
  const COLOUR = /\x1b\[[0-9;]*m/;
  const epochLine = (isTTY: boolean, env: Record<string, string>) => {
    const { io, written } = stderr(isTTY, 100, env);
    const renderer = new ProgressRenderer(io, 6);
    renderer.modelBegin('base', '');
    renderer.epochEnd('base', progress(1563, { accuracy: 0.8, loss: 0.5 }));
    return written.join('');
  };

  it.each([
    ['a terminal', true, {}, true],
    ['a terminal with NO_COLOR=1', true, { NO_COLOR: '1' }, false],
    ['a terminal with NO_COLOR empty (unset, by the convention)', true, { NO_COLOR: '' }, true],
    ['a terminal with TERM=dumb', true, { TERM: 'dumb' }, false],
    ['a pipe', false, {}, false],
    ['a pipe with FORCE_COLOR=1', false, { FORCE_COLOR: '1' }, true],
    ['a terminal with FORCE_COLOR=0', true, { FORCE_COLOR: '0' }, false],
    [
      'a pipe with FORCE_COLOR=1 and NO_COLOR=1 (FORCE_COLOR wins, as in Node)',
      false,
      { FORCE_COLOR: '1', NO_COLOR: '1' },
      true,
    ],
  ] as const)('colours on %s: %s', (_what, isTTY, env, coloured) => {
    expect(COLOUR.test(epochLine(isTTY, env))).toBe(coloured);
  });
});
