/** Character classes for numeric fields: digits . + - e E. */
function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69;
}

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The number in text[a, b) (non-empty), exactly as Number() reads it, or NaN when it is not a plain
 * decimal (hex, whitespace, "Infinity", "NaN" are all refused; Infinity from overflow is returned and
 * refused by the caller). Fast path without allocation: a decimal whose digits form an integer
 * m ≤ 2^53 − 1 with at most 22 fractional digits is m / 10^k, both exact doubles, so the one
 * correctly rounded division gives the same double as Number(). Anything else falls back to Number().
 */
export function parseHistoryNumber(text: string, a: number, b: number): number {
  let i = a;
  let c = text.charCodeAt(i);
  const neg = c === 45;
  if (neg || c === 43) i++;
  let m = 0;
  let frac = 0;
  let digits = 0;
  let dot = false;
  for (; i < b; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      m = m * 10 + (c - 48);
      if (dot) frac++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (i === b && digits > 0 && m <= Number.MAX_SAFE_INTEGER && frac <= 22) {
    const v = m / (POW10[frac] as number);
    return neg ? -v : v;
  }
  for (let j = a; j < b; j++) if (!isNumberChar(text.charCodeAt(j))) return NaN;
  return Number(text.slice(a, b));
}
