import * as tf from '@tensorflow/tfjs-core';

/** The TensorFlow.js backends this package can run on, best first. */
export type TfBackendName = 'tensorflow' | 'webgl' | 'wasm' | 'cpu';

/** What actually ran: recorded in every result so a report can say which backend produced it. */
export interface TfBackendInfo {
  name: TfBackendName;
  /** Why a better backend was not used (empty when the first choice loaded). */
  skipped: string[];
}

let chosen: Promise<TfBackendInfo> | undefined;
let settings: { wasmPaths?: string; prefer?: TfBackendName } = {};

/**
 * Where the wasm backend finds its .wasm files (a URL prefix or, in Node, a folder ending in a
 * separator) and which backend to start from; call before the first initTfBackend. In Node,
 * `@fmnist/tf/node`'s useNodeTfSettings() does this from the installed package and
 * FMNIST_TF_BACKEND. In a page the default is the wasm files next to the page.
 */
export function configureTfBackend(options: { wasmPaths?: string; prefer?: TfBackendName }): void {
  settings = { ...settings, ...options };
}

/**
 * Pick and initialise the TensorFlow.js backend once per process: tfjs-node (`tensorflow`)
 * when it loads, else WebGL when a page registered it (it imports
 * `@tensorflow/tfjs-backend-webgl`, as the lab page's worker does; Node never has it, and it is
 * not listed as skipped there), else WebAssembly (XNNPACK), else the plain-JS cpu backend.
 *
 * tfjs-node is optional and not a dependency (its installer downloads libtensorflow from a host
 * at install time, which fails where only the npm registry is reachable), so it is imported by a computed name inside
 * try/catch. `prefer` forces a starting point further down the list, e.g. `cpu` for tests that
 * want tfjs's readable kernels; configureTfBackend({ prefer }) does the same for every call.
 * tfjs has one active backend per process, so the first call decides; later calls get its
 * answer whatever they prefer.
 */
export function initTfBackend(prefer?: TfBackendName): Promise<TfBackendInfo> {
  chosen ??= choose(prefer ?? settings.prefer);
  return chosen;
}

async function choose(prefer: TfBackendName | undefined): Promise<TfBackendInfo> {
  const order: TfBackendName[] = ['tensorflow', 'webgl', 'wasm', 'cpu'];
  const skipped: string[] = [];
  for (const name of order.slice(prefer ? order.indexOf(prefer) : 0)) {
    if (name === 'webgl' && tf.findBackendFactory('webgl') === null) continue;
    // tfjs-node is Node's alone: a page does not try it (nor list it as skipped).
    if (name === 'tensorflow' && !isNode()) continue;
    try {
      if (await tryBackend(name)) return { name, skipped };
      skipped.push(`${name}: did not initialise`);
    } catch (error) {
      skipped.push(
        `${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    }
  }
  throw new Error(
    `No TensorFlow.js backend could start (${skipped.join('; ')}). ` +
      'Reinstall dependencies with `pnpm install` so @tensorflow/tfjs-backend-cpu is present.',
  );
}

async function tryBackend(name: TfBackendName): Promise<boolean> {
  switch (name) {
    case 'tensorflow': {
      // A computed specifier keeps TypeScript and bundlers from requiring the optional package.
      const specifier = ['@tensorflow', 'tfjs-node'].join('/');
      await import(specifier);
      // tfjs-node registers on its own copy of tfjs-core if the versions differ; then our
      // copy has no `tensorflow` backend and this returns false rather than mixing instances.
      if (tf.findBackendFactory('tensorflow') === null) return false;
      return tf.setBackend('tensorflow');
    }
    case 'webgl': {
      if (!(await tf.setBackend('webgl'))) return false;
      keepKerasEpsilon();
      return true;
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (settings.wasmPaths) wasm.setWasmPaths(settings.wasmPaths);
      return tf.setBackend('wasm');
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return tf.setBackend('cpu');
  }
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** Keras's fuzz factor, the cross-entropy's clip (SPEC: clip p to [1e-7, 1 - 1e-7]). */
export const KERAS_EPSILON = 1e-7;

/**
 * tfjs-layers takes its fuzz factor from the first backend it meets, once: its epsilon(), which
 * the WebGL backend gives as float16's 1e-4 whenever float32 rendering is enabled (its
 * floatPrecision() answers 16 then). The cross-entropy would then clip p to [1e-4, 1 - 1e-4],
 * not Keras's [1e-7, 1 - 1e-7], and the loss and every gradient of a confident model move by
 * ~1e-4 (seen in the lab page: loss 0.64803 against 0.64792 on the same weights). Where the
 * textures really are 32-bit floats, the backend is told Keras's value before tfjs-layers asks.
 */
function keepKerasEpsilon(): void {
  const backend = tf.backend() as { epsilon(): number };
  if (backend.epsilon() !== KERAS_EPSILON && tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE')) {
    backend.epsilon = () => KERAS_EPSILON;
  }
}
