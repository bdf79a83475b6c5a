import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divRate, exactRatio, formatUnits, mulFraction, mulRate, parseUnits, rescale } from '../src/domain/amount.js';

/**
 * Independent decomposition of a finite non-negative double into m·2^e (m integer) by reading its
 * IEEE-754 bits: the reference exactRatio is checked against.
 */
function ieeeRatio(x: number): { num: bigint; den: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const m = expBits === 0 ? frac : frac | (1n << 52n);
  const e = expBits === 0 ? -1074 : expBits - 1075;
  return e >= 0 ? { num: m << BigInt(e), den: 1n } : { num: m, den: 1n << BigInt(-e) };
}

const nonNegDouble = fc.double({ min: 0, max: 1e300, noNaN: true, noDefaultInfinity: true });
const rate = fc.oneof(
  fc.double({ min: 1e-6, max: 10, noNaN: true }),
  fc.double({ min: 0.9, max: 1.3, noNaN: true }),
  fc.double({ min: 1e-12, max: 1e6, noNaN: true }),
);
const amount = fc.bigInt({ min: 0n, max: (1n << 160n) - 1n });

describe('parseUnits / formatUnits', () => {
  it('parses hand-checked amounts', () => {
    expect(parseUnits('1.5', 18)).toBe(1_500_000_000_000_000_000n);
    expect(parseUnits('0.000000001', 9)).toBe(1n);
    expect(parseUnits(' 42 ', 0)).toBe(42n);
    expect(parseUnits('007.50', 6)).toBe(7_500_000n);
    expect(formatUnits(1_500_000_000_000_000_000n, 18)).toBe('1.5');
    expect(formatUnits(1n, 18)).toBe('0.000000000000000001');
    expect(formatUnits(-1_230_000n, 6)).toBe('-1.23');
    expect(formatUnits(42n, 0)).toBe('42');
  });

  it('refuses malformed text and excess precision', () => {
    for (const bad of ['', '-1', '1e18', '1.', '.5', '1,5', '0x10', 'NaN']) expect(() => parseUnits(bad, 18)).toThrow(RangeError);
    expect(() => parseUnits('1.0000001', 6)).toThrow(/more than 6 decimal places/);
  });

  it('round-trips every non-negative amount at every decimals (property)', () => {
    fc.assert(
      fc.property(amount, fc.integer({ min: 0, max: 36 }), (x, d) => {
        const text = formatUnits(x, d);
        expect(text).not.toMatch(/\.$|\.\d*0$/); // no trailing zeros, no bare dot
        expect(parseUnits(text, d)).toBe(x);
      }),
      { numRuns: 300 },
    );
  });

  it('formats a parsed decimal back to its canonical form (property)', () => {
    const decimalText = fc
      .tuple(fc.integer({ min: 0, max: 30 }), fc.stringMatching(/^[0-9]{1,25}$/), fc.stringMatching(/^[0-9]{0,30}$/))
      .filter(([d, , frac]) => frac.length <= d);
    fc.assert(
      fc.property(decimalText, ([d, whole, frac]) => {
        const text = frac ? `${whole}.${frac}` : whole;
        const canonWhole = whole.replace(/^0+(?=\d)/, '');
        const canonFrac = frac.replace(/0+$/, '');
        expect(formatUnits(parseUnits(text, d), d)).toBe(canonFrac ? `${canonWhole}.${canonFrac}` : canonWhole);
      }),
      { numRuns: 300 },
    );
  });
});

describe('exactRatio', () => {
  it('is the exact value of the double, in lowest terms with a power-of-two denominator (property)', () => {
    fc.assert(
      fc.property(fc.oneof(nonNegDouble, fc.double({ min: 0, max: 1e-300, noNaN: true }), fc.double({ min: 0, max: 4, noNaN: true })), (x) => {
        const [num, den] = exactRatio(x);
        const ref = ieeeRatio(x);
        // num/den === ref.num/ref.den exactly (cross-multiplication in bigint)
        expect(num * ref.den).toBe(ref.num * den);
        expect(den > 0n && (den & (den - 1n)) === 0n).toBe(true);
        if (den > 1n) expect(num % 2n).toBe(1n);
        // and the double nearest to num/den is x itself
        if (den <= 1n << 1000n) expect(Number(num) / Number(den)).toBe(x);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the hand-computed ratios', () => {
    expect(exactRatio(0)).toEqual([0n, 1n]);
    expect(exactRatio(3)).toEqual([3n, 1n]);
    expect(exactRatio(0.375)).toEqual([3n, 8n]);
    expect(exactRatio(1.1)).toEqual([2476979795053773n, 2251799813685248n]); // 1.1 is not 11/10 in binary
    expect(exactRatio(Number.MIN_VALUE)).toEqual([1n, 1n << 1074n]);
  });

  it('refuses negative and non-finite rates', () => {
    for (const x of [-1e-9, -1, Infinity, NaN]) expect(() => exactRatio(x)).toThrow(RangeError);
  });
});

describe('mulRate / divRate', () => {
  it('floor against hand-computed values (exact binary value of the rate, not the decimal)', () => {
    expect(mulRate(7n, 0.5)).toBe(3n);
    expect(divRate(7n, 0.5)).toBe(14n);
    expect(mulRate(10n, 0.75)).toBe(7n);
    expect(divRate(10n, 0.75)).toBe(13n);
    // 0.1 is slightly above one tenth: 1000 × 0.1000000000000000055… = 100.0000000000000055 → 100
    expect(mulRate(1000n, 0.1)).toBe(100n);
    // 1.1 = 1.100000000000000088817841970012523…: 1e18 × that = 1.1e18 + 88.8… → …088
    expect(mulRate(10n ** 18n, 1.1)).toBe(1_100_000_000_000_000_088n);
    // 1e18 / 1.100000000000000088… = 909090909090909017.4… → …017
    expect(divRate(10n ** 18n, 1.1)).toBe(909_090_909_090_909_017n);
    // weETH's recorded fair rate on 2024-08-06
    expect(mulRate(10n ** 18n, 1.0446508809851)).toBe(1_044_650_880_985_100_060n);
    expect(mulRate(12345678901234567890n, 0.3)).toBe(3703703670370370229n);
    expect(divRate(12345678901234567890n, 0.3)).toBe(41152263004115227822n);
  });

  it('agree with exact rational arithmetic (property)', () => {
    fc.assert(
      fc.property(amount, rate, (a, r) => {
        const { num, den } = ieeeRatio(r);
        expect(mulRate(a, r)).toBe((a * num) / den);
        expect(divRate(a, r)).toBe((a * den) / num);
        // floor: the result times the rate never exceeds a·r, and one more unit would
        const m = mulRate(a, r);
        expect(m * den <= a * num).toBe(true);
        expect((m + 1n) * den > a * num).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('divRate(mulRate(a, r), r) ≤ a, and loses at most ⌈1/r⌉ + 1 units (property)', () => {
    fc.assert(
      fc.property(amount, rate, (a, r) => {
        const back = divRate(mulRate(a, r), r);
        expect(back <= a).toBe(true);
        const { num, den } = ieeeRatio(r);
        const tol = (den + num - 1n) / num + 1n; // ⌈1/r⌉ + 1
        expect(a - back <= tol).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('mulRate(divRate(a, r), r) ≤ a, and loses at most ⌈r⌉ + 1 units (property)', () => {
    fc.assert(
      fc.property(amount, rate, (a, r) => {
        const back = mulRate(divRate(a, r), r);
        expect(back <= a).toBe(true);
        const { num, den } = ieeeRatio(r);
        expect(a - back <= (num + den - 1n) / den + 1n).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a zero or negative divisor and negative fractions', () => {
    expect(() => divRate(1n, 0)).toThrow(RangeError);
    expect(() => divRate(1n, -1)).toThrow(RangeError);
    expect(() => mulRate(1n, -0.5)).toThrow(RangeError);
    expect(() => mulFraction(1n, -0.01)).toThrow(RangeError);
    expect(mulFraction(100n, 0.29)).toBe(28n); // 0.29 is just below 29/100 in binary → 28.99… → 28
  });
});

describe('rescale', () => {
  it('scales up exactly and down by flooring', () => {
    expect(rescale(1n, 9, 18)).toBe(10n ** 9n);
    expect(rescale(1_999_999_999n, 18, 9)).toBe(1n);
    expect(rescale(123n, 6, 6)).toBe(123n);
    expect(rescale(10n ** 18n, 18, 0)).toBe(1n);
  });

  it('up then down is the identity; down then up floors to a multiple (property)', () => {
    fc.assert(
      fc.property(amount, fc.integer({ min: 0, max: 36 }), fc.integer({ min: 0, max: 36 }), (a, d1, d2) => {
        const lo = Math.min(d1, d2);
        const hi = Math.max(d1, d2);
        expect(rescale(rescale(a, lo, hi), hi, lo)).toBe(a);
        const down = rescale(a, hi, lo);
        const scale = 10n ** BigInt(hi - lo);
        expect(down).toBe(a / scale);
        expect(rescale(down, lo, hi)).toBe(a - (a % scale));
      }),
      { numRuns: 300 },
    );
  });
});
