import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/** Thrown when an Rng is given an argument it cannot honour (a bad seed, an empty range). */
export class RngArgumentError extends RangeError {
  override readonly name = 'RngArgumentError';
}

/**
 * murmur3's 32-bit finaliser: every input bit flips about half the output bits. Used to turn
 * small, similar seeds (0, 1, 2...) into unrelated generator states.
 */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Mixes the low and high 32-bit halves of a safe-integer seed into one 32-bit word. */
function seedWord(seed: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
  return fmix32(low ^ fmix32(high ^ 0x9e3779b9));
}

/**
 * A seeded pseudo-random generator: xoroshiro128+ from pure-rand, whose whole state comes from
 * the seed, so a run with the same seed draws the same numbers to the bit on every machine.
 * Mutable (each draw advances it), which is what a training loop wants.
 */
export class Rng {
  /** The seed this generator was built from (forks derive theirs from it). */
  readonly seed: number;
  readonly #gen: JumpableRandomGenerator;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RngArgumentError(`Rng seed must be a safe integer, got ${seed}; pass e.g. 42.`);
    }
    this.seed = seed;
    // Four well-mixed words instead of pure-rand's `xoroshiro128plus(seed)`, whose state is
    // (-1, ~seed, seed, 0): nearby seeds would start from nearby states.
    const w = seedWord(seed);
    const state = [fmix32(w ^ 0x243f6a88), fmix32(w ^ 0x85a308d3), fmix32(w ^ 0x13198a2e), 0];
    state[3] = fmix32(w ^ 0x03707344) | 1; // never the all-zero state, xoroshiro's fixed point
    this.#gen = xoroshiro128plusFromState(state);
  }

  /** Uniform in [0, 1), 53 random bits. */
  nextFloat(): number {
    return uniformFloat64(this.#gen);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.nextFloat();
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) {
      throw new RngArgumentError(`Rng.int(n) needs an integer n in [1, 2^32], got ${n}.`);
    }
    return uniformInt(this.#gen, 0, n - 1);
  }

  /** Shuffles `a` in place (Fisher-Yates): every permutation equally likely. */
  shuffle(a: Uint32Array | Int32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  /**
   * An independent stream derived from this generator's seed and `label` (not from its current
   * position), so a fork is the same however many numbers were drawn before it.
   */
  fork(label: number): Rng {
    if (!Number.isSafeInteger(label)) {
      throw new RngArgumentError(`Rng.fork label must be a safe integer, got ${label}.`);
    }
    const derived = fmix32(seedWord(this.seed) ^ fmix32(seedWord(label) ^ 0x5bd1e995)) >>> 0;
    return new Rng(derived);
  }
}
