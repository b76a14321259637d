import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which the browser tests drive (playwright cannot download its own here). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium as the browser tests run it: no sandbox (root), no GPU (WebGL runs on
 * SwiftShader), and none of the
 * background connections this machine's closed network would refuse.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      // WebGL on SwiftShader (a CPU Vulkan), which a GPU-less machine needs for gpujs:gl.
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI as a user would. HOME is a fresh folder (no download cache) and
 * FASHION_MNIST_DIR is unset, so the data is found as on a clean machine; it runs in that
 * folder too, so whatever it writes (figures under ./fmnist-report) lands there.
 */
export function fmnist(
  args: string[],
  env: Record<string, string> = {},
): Promise<Run & { cwd: string }> {
  const home = mkdtempSync(join(tmpdir(), 'fmnist-home-'));
  const { FASHION_MNIST_DIR: _unset, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: home,
      env: { ...inherited, HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, cwd: home }));
  });
}

/** An in-memory Io for running the CLI in-process. */
export function memoryIo(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    ({
      write: (chunk: string) => {
        into.push(chunk);
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  return {
    io: { stdout: sink(out), stderr: sink(err), env },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
