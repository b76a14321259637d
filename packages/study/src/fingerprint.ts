/**
 * SHA-256 of a model's weights as float32, little-endian, in Keras order: the
 * `initialWeightsSha256` of every trained model, equal exactly when two runs (two commands,
 * two engines, Node and a page) start from the same point. WebCrypto, so it runs anywhere.
 */
export async function weightsSha256(weights: readonly ArrayLike<number>[]): Promise<string> {
  const total = weights.reduce((n, w) => n + w.length, 0);
  const bytes = new DataView(new ArrayBuffer(total * 4));
  let offset = 0;
  for (const w of weights) {
    for (let i = 0; i < w.length; i++, offset += 4) bytes.setFloat32(offset, w[i]!, true);
  }
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes.buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
