#!/usr/bin/env node
// `pnpm pack:cli [--out DIR]`: the `fmnist` command as one npm package,
// fmnist-lab-cli-<version>.tgz, that installs where this repository is not:
//   npm install -g ./fmnist-lab-cli-<version>.tgz
//
// The workspace's packages (@fmnist/core, data, nn, reports, study, tf) are on no registry, so
// esbuild bundles them into the CLI's own files, and gpu.js with them, patched as this
// repository patches it (patches/gpu.js@*.patch: the copy pnpm installed). Everything else
// (TensorFlow.js, vega, commander, gl...) stays an ordinary dependency that npm installs.
// Run `pnpm build` first (pnpm pack:cli does).
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outDir = resolve(outIndex >= 0 ? args[outIndex + 1] : root);
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

const WORKSPACE = ['core', 'data', 'nn', 'reports', 'study', 'tf'];
const cli = readJson(join(root, 'apps/cli/package.json'));
for (const dir of ['apps/cli/dist', ...WORKSPACE.map((p) => `packages/${p}/dist`)]) {
  if (!existsSync(join(root, dir))) {
    console.error(`pack-cli: ${dir} is missing; run \`pnpm build\` first.`);
    process.exit(1);
  }
}

/** Third-party dependencies of the CLI and every workspace package it bundles. */
const dependencies = {};
const addDeps = (deps = {}, into = dependencies) => {
  for (const [name, range] of Object.entries(deps)) {
    if (name.startsWith('@fmnist/') || name === 'gpu.js') continue;
    if (into[name] !== undefined && into[name] !== range) {
      console.error(`pack-cli: ${name} is wanted as both ${into[name]} and ${range}; align them.`);
      process.exit(1);
    }
    into[name] = range;
  }
};
addDeps(cli.dependencies);
for (const name of WORKSPACE)
  addDeps(readJson(join(root, 'packages', name, 'package.json')).dependencies);
const coreRequire = createRequire(join(root, 'packages/core/package.json'));
const gpuDir = realpathSync(dirname(dirname(coreRequire.resolve('gpu.js'))));
const gpu = readJson(join(gpuDir, 'package.json'));
addDeps(gpu.dependencies);
const optionalDependencies = {};
addDeps(gpu.optionalDependencies, optionalDependencies);

const stage = join(mkdtempSync(join(tmpdir(), 'fmnist-pack-')), 'package');
mkdirSync(stage, { recursive: true });
// Bundled: the workspace packages and gpu.js; external: every dependency npm installs, and
// Node's built-ins. Entry files sit side by side in dist/ (the training worker is started as
// `new URL('./worker.js', import.meta.url)`), shared code in chunks beside them.
await build({
  entryPoints: {
    main: join(root, 'apps/cli/dist/main.js'),
    worker: join(root, 'apps/cli/dist/runtime/worker.js'),
  },
  outdir: join(stage, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  external: [...Object.keys(dependencies), ...Object.keys(optionalDependencies)].flatMap((d) => [
    d,
    `${d}/*`,
  ]),
  alias: { 'gpu.js': gpuDir },
  // gpu.js is CommonJS and requires its dependencies (gl, acorn): give the ESM bundle a require.
  banner: {
    js: "import { createRequire as __fmnistCreateRequire } from 'node:module'; const require = __fmnistCreateRequire(import.meta.url);",
  },
  sourcemap: false,
  legalComments: 'linked',
  logLevel: 'warning',
});
const main = join(stage, 'dist', 'main.js');
const text = readFileSync(main, 'utf8').replace(/^#!.*\n/gm, '');
writeFileSync(main, `#!/usr/bin/env node\n${text}`, { mode: 0o755 });
// The lab page (apps/web/dist, built by `pnpm build`) as `lab/`, without its source maps.
cpSync(join(root, 'apps/web/dist'), join(stage, 'lab'), {
  recursive: true,
  filter: (source) => !source.endsWith('.map'),
});
cpSync(join(root, 'apps/cli/README.md'), join(stage, 'README.md'));
cpSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));

const manifest = {
  name: 'fmnist-lab-cli',
  version: cli.version,
  description: `${cli.description} Installs the \`fmnist\` command.`,
  license: cli.license,
  type: 'module',
  bin: { fmnist: './dist/main.js' },
  files: ['dist', 'lab', 'README.md', 'LICENSE'],
  engines: { node: '>=20' },
  dependencies: Object.fromEntries(Object.entries(dependencies).sort()),
  optionalDependencies,
  // What the bundle carries inside, for `fmnist`'s report metadata (study/versions.ts).
  fmnist: { bundled: { 'gpu.js': `${gpu.version} (patched)` } },
};
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
mkdirSync(outDir, { recursive: true });
const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', outDir], {
  cwd: stage,
  encoding: 'utf8',
}).trim();
rmSync(dirname(stage), { recursive: true, force: true });
console.log(join(outDir, packed.split('\n').at(-1)));
