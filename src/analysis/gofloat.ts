// Go's fmt %.Nf and %.Ng, digit for digit. JavaScript's toFixed/toExponential
// round exact ties (e.g. 1.125 → "1.13") away from zero where Go rounds them to
// even ("1.12"); pprof prints with Go, so its tables need Go's rounding.

/** x = mantissa · 2^exponent, exactly (x finite, > 0). */
function binary(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const rawExp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  return rawExp === 0 ? { m: frac, e: -1074 } : { m: frac | 0x10000000000000n, e: rawExp - 1075 };
}

/** True when x lies exactly halfway between (D-1)·10^q and D·10^q. */
function isMidpoint(x: number, d: bigint, q: number): boolean {
  const { m, e } = binary(x);
  let left = 2n * m;
  let right = 2n * d - 1n;
  if (q >= 0) right *= 10n ** BigInt(q);
  else left *= 10n ** BigInt(-q);
  if (e >= 0) left <<= BigInt(e);
  else right <<= BigInt(-e);
  return left === right;
}

/** Digits of |x| rounded half-to-even to `decimals` places, as an integer string. */
function roundedFixed(ax: number, decimals: number): string {
  const s = ax.toFixed(decimals).replace('.', '');
  const d = BigInt(s);
  if (d % 2n === 1n && isMidpoint(ax, d, -decimals)) return (d - 1n).toString().padStart(s.length, '0');
  return s;
}

/** How Go prints NaN and the infinities. */
export function nonFinite(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? '+Inf' : '-Inf';
}

/** Go's fmt.Sprintf("%.<decimals>f", x). */
export function goFixed(x: number, decimals: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  if (ax >= 1e21) return (neg ? '-' : '') + BigInt(Math.round(ax)).toString() + (decimals > 0 ? '.' + '0'.repeat(decimals) : '');
  const digits = roundedFixed(ax, decimals).padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals);
  return (neg ? '-' : '') + int + (decimals > 0 ? '.' + frac : '');
}

/** Significant digits (trailing zeros trimmed) and decimal point position, rounded half-to-even. */
function significant(ax: number, prec: number): { digits: string; dp: number } {
  const [mant = '0', expText = '0'] = ax.toExponential(prec - 1).split('e');
  let d = BigInt(mant.replace('.', ''));
  const exp = Number(expText);
  if (d % 2n === 1n && isMidpoint(ax, d, exp - (prec - 1))) d -= 1n;
  const digits = d.toString().replace(/0+$/, '');
  return { digits, dp: exp + 1 };
}

function fmtF(digits: string, dp: number, decimals: number): string {
  const int = dp > 0 ? digits.slice(0, dp).padEnd(dp, '0') : '0';
  let frac = '';
  for (let i = 0; i < decimals; i++) frac += digits[dp + i] ?? '0';
  return decimals > 0 ? `${int}.${frac}` : int;
}

function fmtE(digits: string, dp: number, decimals: number): string {
  const frac = digits.slice(1, 1 + decimals).padEnd(decimals, '0');
  const exp = dp - 1;
  const e = `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return (digits[0] ?? '0') + (decimals > 0 ? '.' + frac : '') + e;
}

/** Go's fmt.Sprintf("%.<prec>g", x) for prec ≥ 1 (strconv's 'g' rules). */
export function goG(x: number, prec: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? '-' : '';
  if (x === 0) return sign + '0';
  const { digits, dp } = significant(Math.abs(x), prec);
  const nd = digits.length;
  const eprec = prec > nd && nd >= dp ? nd : prec;
  const exp = dp - 1;
  if (exp < -4 || exp >= eprec) return sign + fmtE(digits, dp, Math.min(prec, nd) - 1);
  const p = prec > dp ? nd : prec;
  return sign + fmtF(digits, dp, Math.max(p - dp, 0));
}

/** Right-aligns like Go's %<width>s (which counts runes, not UTF-16 units). */
export function padStart(s: string, width: number): string {
  const n = [...s].length;
  return n >= width ? s : ' '.repeat(width - n) + s;
}
