// PyTorch as a benchmark peer, set up as its users set it up and checked before it is compared
// with: which Python has torch, the environment it runs in (one thread), and the BLAS its
// products run on. Used by bench/train.mjs (one epoch) and apps/cli/bench/study-vs-torch.mjs
// (the whole study).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The first Python that imports torch and numpy: FMNIST_BENCH_PYTHON if set, python3 on PATH,
 * then Debian's own /usr/bin/python3 (where python3-torch installs, also when PATH leads to
 * another Python). `{ python }` or `{ unavailable: why }`.
 */
export function findTorch() {
  const candidates = [process.env.FMNIST_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(
    Boolean,
  );
  for (const python of [...new Set(candidates)]) {
    const probe = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return { python, ...peerSetup(python) };
  }
  return {
    unavailable: `none of ${candidates.join(', ')} can import torch and numpy (Debian: apt-get install python3-torch libopenblas0-pthread; or set FMNIST_BENCH_PYTHON)`,
  };
}

/** The command that gives Debian's python3-torch an optimized BLAS. */
export const OPENBLAS_FIX = 'apt-get install libopenblas0-pthread';

/**
 * The peer's environment: one thread everywhere (torch, OpenMP, MKL, OpenBLAS), and none of the
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE overrides some machines set for old OpenBLAS builds,
 * which pin a slower kernel than the CPU has (a user's own PyTorch runs without them).
 */
export function peerEnv() {
  const { OPENBLAS_CORETYPE: _core, OPENBLAS_L2_SIZE: _l2, ...env } = process.env;
  return { ...env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
}

/**
 * How the peer computes its products (torch_train.py --setup), and whether it is a fair peer:
 * an optimized BLAS (OpenBLAS, MKL, BLIS), one thread. `{ setup, fair, why? }`.
 */
export function peerSetup(python) {
  const run = spawnSync(python, [join(here, 'torch_train.py'), '--setup'], {
    encoding: 'utf8',
    env: peerEnv(),
  });
  if (run.status !== 0) {
    return { setup: null, fair: false, why: `its setup could not be read: ${run.stderr.trim()}` };
  }
  const setup = JSON.parse(run.stdout.trim().split('\n').at(-1));
  if (setup.blasKind === 'reference' || setup.blasKind === 'unknown') {
    return {
      setup,
      fair: false,
      why: `PyTorch ${setup.torch} runs on ${setup.blasKind === 'reference' ? 'the netlib reference BLAS' : 'no BLAS it names'} (${setup.blasLibraries.join(', ') || 'none mapped'}), several times slower than the optimized BLAS its users install; left out of the ratios. Fix: ${OPENBLAS_FIX}`,
    };
  }
  return { setup, fair: true };
}
