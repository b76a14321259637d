/**
 * @fmnist/tf/node: what only Node can do for the reference. In Node the wasm backend reads its
 * .wasm binaries from the npm package's dist folder, and FMNIST_TF_BACKEND (tensorflow, wasm
 * or cpu) says where to start the backend search.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { configureTfBackend, type TfBackendName } from '../backend.js';

export const ENV_TF_BACKEND = 'FMNIST_TF_BACKEND';
/** The values FMNIST_TF_BACKEND takes. */
export const TF_BACKEND_NAMES: readonly TfBackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Points the wasm backend at its installed files and reads FMNIST_TF_BACKEND; idempotent. */
export function useNodeTfSettings(env: Record<string, string | undefined> = process.env): void {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const value = env[ENV_TF_BACKEND];
  configureTfBackend({
    wasmPaths: `${path.join(path.dirname(packageJson), 'dist')}${path.sep}`,
    ...(TF_BACKEND_NAMES.includes(value as TfBackendName)
      ? { prefer: value as TfBackendName }
      : {}),
  });
}
