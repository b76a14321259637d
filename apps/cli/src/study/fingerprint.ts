/** A short fingerprint of a model's weights, to show two runs started from the same point. */
export function weightsFingerprint(weights: readonly ArrayLike<number>[]): string {
  // FNV-1a over the float32 bytes: cheap, and any changed weight changes it.
  let hash = 0x811c9dc5;
  const scratch = new Float32Array(1);
  const bytes = new Uint8Array(scratch.buffer);
  for (const w of weights) {
    for (let i = 0; i < w.length; i++) {
      scratch[0] = w[i]!;
      for (let b = 0; b < 4; b++) {
        hash ^= bytes[b]!;
        hash = Math.imul(hash, 0x01000193) >>> 0;
      }
    }
  }
  return hash.toString(16).padStart(8, '0');
}
