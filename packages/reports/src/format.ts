/**
 * Number formatting that matches Python's `format(x, '.{digits}f')` exactly, so text laid out
 * as scikit-learn lays it out is the same to the character.
 *
 * JavaScript's `toFixed` rounds exact ties away from zero (0.125 -> "0.13") where Python rounds
 * them to even (0.125 -> "0.12"). Ties are real here: a precision of 1/8 is exactly 0.125.
 * So the rounding is done on the exact binary value with BigInt arithmetic.
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const { mantissa, exponent } = decompose(Math.abs(x));
  // |x| * 10^digits = mantissa * 10^digits * 2^exponent, rounded half to even.
  const scaled = mantissa * 10n ** BigInt(digits);
  let rounded: bigint;
  if (exponent >= 0) {
    rounded = scaled << BigInt(exponent);
  } else {
    const divisor = 1n << BigInt(-exponent);
    const quotient = scaled / divisor;
    const twiceRemainder = (scaled % divisor) * 2n;
    const roundUp =
      twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n);
    rounded = roundUp ? quotient + 1n : quotient;
  }
  let text = rounded.toString().padStart(digits + 1, '0');
  if (digits > 0) text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${text}` : text;
}

/** A finite non-negative double as mantissa * 2^exponent, both exact. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  if (x === 0) return { mantissa: 0n, exponent: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return biasedExponent === 0
    ? { mantissa: fraction, exponent: -1074 } // subnormal
    : { mantissa: fraction | (1n << 52n), exponent: biasedExponent - 1075 };
}

/**
 * Sum as NumPy's `np.sum` does for a contiguous float64 array (pairwise summation with eight
 * accumulators), so averages match scikit-learn's to the last bit; that matters when a value
 * lands exactly on a rounding tie.
 */
export function numpySum(values: readonly number[]): number {
  return 0 + pairwiseSum(values, 0, values.length);
}

function pairwiseSum(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += a[start + i]!;
    return sum;
  }
  if (n <= 128) {
    const r = a.slice(start, start + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    }
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) sum += a[start + i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half);
}

/** Python's `format(text, '>width')`; Python counts code points, so this does too. */
export function alignRight(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - textLength(text))) + text;
}

/** Python's `len(text)`: code points, not UTF-16 units. */
export function textLength(text: string): number {
  return [...text].length;
}

/** Seconds as a short human reading: "850 ms", "12.3 s", "4 min 05 s". */
export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  const rest = whole - minutes * 60;
  return `${minutes} min ${String(rest).padStart(2, '0')} s`;
}

/** A signed difference, always with its sign, e.g. "+0.031", "-0.004". */
export function formatSigned(x: number, digits: number): string {
  const text = formatFixed(x, digits);
  return text.startsWith('-') ? text : `+${text}`;
}
