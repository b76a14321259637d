// This machine's WebAssembly SIMD ceiling: a hand-assembled module whose loop keeps 12
// independent f32x4 multiply-add chains in registers (a = a·x + y, as f32x4.mul then
// f32x4.add: plain SIMD, what gpu.js's webasm kernels emit), so nothing but the arithmetic units
// limits it. bench/kernels.mjs prints each matmul's GFLOP/s as a share of this.
//
// The module, byte by byte (WebAssembly binary format; no assembler is needed):
//   (func (export "peak") (param $n i32) (result f32)
//     (local 12 accumulators, x, y: v128)
//     a_i = splat 1.0; x = splat 0.999; y = splat 0.001
//     (loop  a_i = a_i * x + y  for i in 1..12;  n -= 1;  br_if n)
//     extract_lane 0 of a_1 + ... + a_12)
const CHAINS = 12;
/** f32x4 lanes × (one multiply + one add) per chain per iteration. */
export const FLOPS_PER_ITERATION = CHAINS * 4 * 2;

const f32 = (v) => [...new Uint8Array(new Float32Array([v]).buffer)];
const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
function leb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const SPLAT = [0xfd, 0x13];
const ADD = [0xfd, 0xe4, 0x01];
const MUL = [0xfd, 0xe6, 0x01];
const EXTRACT_LANE_0 = [0xfd, 0x1f, 0x00];
const get = (i) => [0x20, i];
const set = (i) => [0x21, i];
const X = CHAINS + 1;
const Y = CHAINS + 2;

function moduleBytes() {
  const body = [0x01, CHAINS + 2, 0x7b]; // locals: 14 × v128
  for (let i = 1; i <= CHAINS; i++) body.push(0x43, ...f32(1), ...SPLAT, ...set(i));
  body.push(0x43, ...f32(0.999), ...SPLAT, ...set(X));
  body.push(0x43, ...f32(0.001), ...SPLAT, ...set(Y));
  body.push(0x03, 0x40); // loop
  for (let i = 1; i <= CHAINS; i++)
    body.push(...get(i), ...get(X), ...MUL, ...get(Y), ...ADD, ...set(i));
  body.push(...get(0), 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00); // n -= 1; br_if 0 (n)
  body.push(0x0b); // end loop
  body.push(...get(1));
  for (let i = 2; i <= CHAINS; i++) body.push(...get(i), ...ADD);
  body.push(...EXTRACT_LANE_0, 0x0b);
  const code = [0x01, ...leb(body.length), ...body];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(0x01, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7d]),
    ...section(0x03, [0x01, 0x00]),
    ...section(0x07, [0x01, 0x04, 0x70, 0x65, 0x61, 0x6b, 0x00, 0x00]),
    ...section(0x0a, code),
  ]);
}

/**
 * The peak in GFLOP/s: the median of `rounds` timed runs of `iterations` loop turns each (after
 * a warm-up), with the median's spread.
 */
export function measureSimdPeak({ rounds = 7, iterations = 20_000_000 } = {}) {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()));
  exports.peak(100_000);
  const gflops = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    const result = exports.peak(iterations);
    const ns = Number(process.hrtime.bigint() - t0);
    if (!Number.isFinite(result)) throw new Error('the SIMD peak loop returned a non-finite sum');
    gflops.push((FLOPS_PER_ITERATION * iterations) / ns);
  }
  gflops.sort((a, b) => a - b);
  return {
    gflops: gflops[Math.floor(gflops.length / 2)],
    min: gflops[0],
    max: gflops.at(-1),
    what: `${CHAINS} independent f32x4 chains of mul + add in registers, ${iterations} iterations × ${rounds} rounds (median)`,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(measureSimdPeak())}\n`);
}
