// `fmnist lab`: serves the lab page (apps/web) and the Fashion-MNIST files from 127.0.0.1,
// prints the URL, and serves until Ctrl-C. The data is found as every command finds it
// (--data-dir, FASHION_MNIST_DIR, the cache, Debian's package, else downloaded first) and
// checked before the server starts; the page fetches the four files from /data/<key> and
// unpacks them itself.
//
// It stays on this machine unless asked: a --host that is not a loopback address needs
// --allow-remote too; a request whose Host header names another site is refused (a page on
// another site that rebinds its name to 127.0.0.1 must not read the data or drive the lab);
// no other site may frame it; it answers GET and HEAD only.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetFileKey } from '@fmnist/data';
import { InvalidArgumentError, Option } from 'commander';
import sirv from 'sirv';
import type { CommandModule } from '../command.js';
import { LabServerError, UsageError } from '../errors.js';
import { EXIT_INTERRUPTED, EXIT_TERMINATED } from '../runtime/interrupt.js';

export const DEFAULT_LAB_PORT = 8765;
export const DEFAULT_LAB_HOST = '127.0.0.1';
const DATA_KEYS: readonly DatasetFileKey[] = [
  'trainImages',
  'trainLabels',
  'testImages',
  'testLabels',
];

/**
 * The built page: `lab/` beside the bundle in the packed CLI (scripts/pack-cli.mjs), else
 * apps/web/dist, found through the workspace package.
 */
export function labPageDir(): string {
  const packed = fileURLToPath(new URL('../lab/', import.meta.url));
  if (existsSync(join(packed, 'index.html'))) return packed;
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('@fmnist/web/package.json');
  } catch {
    throw new LabServerError(
      'The lab page is not part of this installation. Run `pnpm fmnist lab` from a checkout of fmnist-lab',
    );
  }
  const dir = join(dirname(pkg), 'dist');
  if (!existsSync(join(dir, 'index.html')) || !existsSync(join(dir, 'worker.js'))) {
    throw new LabServerError(
      `The lab page is not built (${dir} has no index.html). Run \`pnpm build\`, or start it with \`pnpm fmnist lab\`, which builds what is stale`,
    );
  }
  return dir;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) {
    throw new InvalidArgumentError('It must be a whole number from 0 to 65535 (0: any free port).');
  }
  return n;
}

export interface LabServer {
  url: string;
  close(): Promise<void>;
}

/** Whether `host` is this machine only: 127.0.0.0/8, ::1 (also as ::ffff:127.x), localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Listening on every interface: the URL then names this machine's loopback address. */
function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * The Host headers the server answers: the address it serves and, on loopback, the other
 * names of this machine's loopback; with --allow-remote, also IP literals and the host name.
 * Any other name is a page of another site pointed at this server (DNS rebinding).
 */
function hostAllowed(header: string | undefined, host: string, port: number): boolean {
  if (header === undefined) return false;
  let name: string;
  let headerPort: number;
  try {
    const url = new URL(`http://${header}/`);
    if (url.username || url.password || url.pathname !== '/') return false;
    name = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    headerPort = url.port === '' ? 80 : Number(url.port);
  } catch {
    return false;
  }
  if (headerPort !== port) return false;
  if (isLoopback(name)) return true;
  if (name === host.replace(/^\[|\]$/g, '').toLowerCase()) return true;
  return !isLoopback(host) && (isIP(name) !== 0 || name === hostname().toLowerCase());
}

/** The URLs at which other machines may reach a server on every interface. */
function networkUrls(port: number): string[] {
  const urls: string[] = [];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.internal) continue;
      urls.push(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${port}/`);
    }
  }
  return urls;
}

/**
 * Checks --host before anything starts: an empty or non-loopback address serves the data and
 * the lab to the network, which only --allow-remote says the user means.
 */
export function checkLabHost(host: string, allowRemote: boolean): void {
  if (isLoopback(host) || allowRemote) return;
  const what =
    host === ''
      ? 'an empty --host listens on every interface'
      : isWildcard(host)
        ? `--host ${host} listens on every interface`
        : `--host ${host} is not a loopback address`;
  throw new UsageError(
    `${what}, so other machines could reach the lab; use --host 127.0.0.1 (the default), or add --allow-remote if you mean to serve it to the network`,
  );
}

/** Starts the server; resolves once it listens, or rejects with a LabServerError. */
export function startLabServer(options: {
  pageDir: string;
  files: Record<DatasetFileKey, string>;
  host: string;
  port: number;
}): Promise<LabServer> {
  const page = sirv(options.pageDir, { dev: false, etag: true, gzip: false });
  let port = options.port;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    // No page of this server is meant to be framed or to load anything from elsewhere.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
    );
    if (!hostAllowed(req.headers.host, options.host, port)) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`This server answers only for its own address (port ${port} on this machine).\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Only GET and HEAD.\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/data\/([A-Za-z]+)$/.exec(url.pathname);
    if (match) {
      const key = match[1] as DatasetFileKey;
      const file = DATA_KEYS.includes(key) ? options.files[key] : undefined;
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        // Gone since the server started: the page says the server answered 404.
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': size,
        'Cache-Control': 'no-cache',
      });
      if (req.method === 'HEAD') res.end();
      else
        createReadStream(file)
          .on('error', () => res.destroy())
          .pipe(res);
      return;
    }
    page(req, res, () => {
      res.writeHead(404).end('not found');
    });
  };
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${options.host}:${options.port}`;
      if (error.code === 'EADDRINUSE') {
        reject(
          new LabServerError(
            `Port ${options.port} on ${options.host} is in use by another program. Choose another with --port N (--port 0 takes any free one)`,
          ),
        );
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(
          new LabServerError(
            `Cannot listen on ${where}: no such address on this machine. Use --host 127.0.0.1`,
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(
          new LabServerError(
            `Not allowed to listen on ${where} (ports below 1024 need privileges). Choose another with --port N`,
          ),
        );
      } else reject(error);
    });
    server.listen(options.port, options.host, () => {
      const address = server.address();
      port = typeof address === 'object' && address ? address.port : options.port;
      const host = isWildcard(options.host)
        ? '127.0.0.1'
        : options.host.includes(':')
          ? `[${options.host}]`
          : options.host;
      resolve({
        url: `http://${host}:${port}/`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Opens `url` in the desktop's browser, if there is one; a failure is only a note. */
function openBrowser(url: string, log: (line: string) => void): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => log(`could not open a browser (${command}); open ${url} yourself`));
  child.unref();
}

export const labCommand: CommandModule = {
  name: 'lab',
  summary: 'the lab page: train the study models live in your browser (served on 127.0.0.1)',
  description:
    'Serves the lab page and the Fashion-MNIST files from a small server on 127.0.0.1 and prints its URL; the page trains one of the six models in a Web Worker on the custom engine (gpu.js), with live curves and the classification report. The data is found as for every command, and checked before the server starts. Stop it with Ctrl-C.',
  options: ['dataDir'],
  configure: (command) =>
    command
      .addOption(
        new Option('--port <n>', 'port to listen on (0: any free port)')
          .argParser(parsePort)
          .default(DEFAULT_LAB_PORT),
      )
      .addOption(
        new Option(
          '--host <address>',
          'address to listen on (a loopback address unless --allow-remote)',
        ).default(DEFAULT_LAB_HOST),
      )
      .addOption(
        new Option(
          '--allow-remote',
          'let --host be an address other machines reach (0.0.0.0, a LAN address): the data and the lab are then served to the network',
        ),
      )
      .addOption(new Option('--open', "open the page in the desktop's browser")),
  async run(options, context) {
    const host = String(options.host ?? DEFAULT_LAB_HOST);
    checkLabHost(host, options.allowRemote === true);
    // Listening for the signals before anything is printed: a Ctrl-C right after the URL
    // appears must stop the server the same way (130), not kill the process.
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    const pageDir = labPageDir();
    const data = await context.loadData({ dataDir: options.dataDir });
    const server = await startLabServer({
      pageDir,
      files: data.location.files,
      host,
      port: Number(options.port ?? DEFAULT_LAB_PORT),
    });
    if (!isLoopback(host)) {
      const port = Number(new URL(server.url).port);
      const others = isWildcard(host) ? networkUrls(port) : [server.url];
      context.log(
        `warning: the lab is served to the network (--host ${host === '' ? "''" : host} --allow-remote): anyone who reaches ${others.length > 0 ? others.join(', ') : `port ${port} of this machine`} can use it and read the data`,
      );
    }
    context.log(
      `fmnist lab: serving ${server.url} (data from ${data.location.dir}); Ctrl-C stops it`,
    );
    if (options.open) openBrowser(server.url, context.log);
    const signal = await stopped;
    await server.close();
    return {
      json: { url: server.url, stoppedBy: signal },
      text: `fmnist lab: stopped (${signal})\n`,
      // The shell's convention, as for every command a signal stops: 130 SIGINT, 143 SIGTERM.
      exitCode: signal === 'SIGINT' ? EXIT_INTERRUPTED : EXIT_TERMINATED,
    };
  },
};
