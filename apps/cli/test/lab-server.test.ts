// `fmnist lab` stays on this machine unless asked: the --host it may listen on, the Host
// headers and methods it answers, no framing, and the exit status a signal gives.
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { fmnist, MAIN } from './helpers.js';

const DATA_DIR = '/usr/share/datasets/fashion-mnist';
const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

/** Starts `fmnist lab` with `args`; resolves with the URL it prints and its stderr so far. */
function startLab(
  args: string[],
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    [MAIN, 'lab', '--port', '0', '--data-dir', DATA_DIR, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.push(child);
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving (http:\/\/\S+\/)/.exec(stderr);
      if (match) resolve({ child, url: match[1]!, stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`fmnist lab exited (${code}): ${stderr}`)));
  });
}

/** One request with any method and Host header; resolves with the status and headers. */
function ask(
  url: string,
  { method = 'GET', host }: { method?: string; host?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname,
        method,
        headers: host === undefined ? {} : { host },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('fmnist lab --host', () => {
  for (const [host, what] of [
    ['', 'an empty --host listens on every interface'],
    ['0.0.0.0', '--host 0.0.0.0 listens on every interface'],
    ['::', '--host :: listens on every interface'],
    ['192.168.1.10', '--host 192.168.1.10 is not a loopback address'],
  ] as const) {
    it(`refuses --host '${host}' without --allow-remote: exit 2, one line, nothing served`, async () => {
      const run = await fmnist(['lab', '--port', '0', '--host', host, '--data-dir', DATA_DIR]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `fmnist: ${what}, so other machines could reach the lab; use --host 127.0.0.1 (the default), or add --allow-remote if you mean to serve it to the network. Run \`fmnist lab --help\` for the usage.\n`,
      );
    });
  }

  it('--host 0.0.0.0 --allow-remote: a warning line, then a URL that works', async () => {
    const lab = await startLab(['--host', '0.0.0.0', '--allow-remote']);
    expect(lab.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(lab.stderr()).toMatch(
      /^warning: the lab is served to the network \(--host 0\.0\.0\.0 --allow-remote\): anyone who reaches .* can use it and read the data\n/,
    );
    expect((await ask(lab.url)).status).toBe(200);
  });

  it('localhost and ::1 are loopback too', async () => {
    const lab = await startLab(['--host', 'localhost']);
    expect((await ask(lab.url)).status).toBe(200);
    expect(lab.stderr()).not.toMatch(/warning/);
  });
});

describe('fmnist lab answers only its own address, only GET and HEAD, and is never framed', () => {
  it('a Host header naming another site (DNS rebinding) is refused, on the page and the data', async () => {
    const lab = await startLab([]);
    const port = new URL(lab.url).port;
    for (const path of ['', 'data/trainImages']) {
      expect((await ask(`${lab.url}${path}`, { host: `evil.example:${port}` })).status).toBe(421);
      expect((await ask(`${lab.url}${path}`, { host: 'evil.example' })).status).toBe(421);
      expect(
        (await ask(`${lab.url}${path}`, { host: `127.0.0.1:${Number(port) + 1}` })).status,
      ).toBe(421);
      expect((await ask(`${lab.url}${path}`, { host: `localhost:${port}` })).status).toBe(200);
      expect((await ask(`${lab.url}${path}`, { host: `127.0.0.1:${port}` })).status).toBe(200);
    }
  });

  it("says frame-ancestors 'none' (and X-Frame-Options DENY) on every answer", async () => {
    const lab = await startLab([]);
    for (const path of ['', 'worker.js', 'data/testLabels', 'missing']) {
      const { headers } = await ask(`${lab.url}${path}`);
      expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(headers['x-frame-options']).toBe('DENY');
    }
  });

  it('POST, PUT and DELETE get 405 with Allow: GET, HEAD; HEAD works', async () => {
    const lab = await startLab([]);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of ['', 'data/trainImages']) {
        const answer = await ask(`${lab.url}${path}`, { method });
        expect(answer.status).toBe(405);
        expect(answer.headers.allow).toBe('GET, HEAD');
      }
    }
    expect((await ask(`${lab.url}data/testLabels`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('fmnist lab and signals', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} stops it with exit ${code}, as the README says`, async () => {
      const lab = await startLab([]);
      const exit = exitOf(lab.child);
      lab.child.kill(signal);
      expect(await exit).toBe(code);
    });
  }
});
