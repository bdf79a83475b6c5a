/**
 * Money is bigint in base units. Rates are numbers. These helpers are the only place the two meet,
 * so every conversion is exact for the double it is given and floors toward zero.
 */

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** "1.5" with 18 decimals → 1500000000000000000n. Rejects more fractional digits than the asset has. */
export function parseUnits(text: string, decimals: number): bigint {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new RangeError(`not a non-negative decimal amount: "${text}"`);
  const whole = m[1] ?? '0';
  const frac = m[2] ?? '';
  if (frac.length > decimals) throw new RangeError(`"${text}" has more than ${decimals} decimal places`);
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
}

/** 1500000000000000000n with 18 decimals → "1.5" (no trailing zeros). */
export function formatUnits(amount: bigint, decimals: number): string {
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const unit = 10n ** BigInt(decimals);
  const whole = abs / unit;
  const frac = (abs % unit).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Base units → a float in whole tokens, for display and weights only. Never feed it back into money. */
export function toFloat(amount: bigint, decimals: number): number {
  return Number(formatUnits(amount, decimals));
}

/**
 * The exact rational value of a finite non-negative double as num/den with den a power of two.
 * Doubles are dyadic rationals, so doubling until integral is exact and terminates.
 */
export function exactRatio(x: number): readonly [bigint, bigint] {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`rate must be finite and non-negative, got ${x}`);
  let v = x;
  let k = 0n;
  while (!Number.isInteger(v)) {
    v *= 2;
    k += 1n;
  }
  return [BigInt(v), 1n << k];
}

/** amount × rate, floored. rate is e.g. ETH per wstETH; the result is in the same base units as amount when decimals match. */
export function mulRate(amount: bigint, rate: number): bigint {
  const [num, den] = exactRatio(rate);
  return (amount * num) / den;
}

/** amount ÷ rate, floored. Used to turn a base-asset value into a token amount at a given rate. */
export function divRate(amount: bigint, rate: number): bigint {
  if (!(rate > 0)) throw new RangeError(`cannot divide by rate ${rate}`);
  const [num, den] = exactRatio(rate);
  return (amount * den) / num;
}

/** Rescale between assets of different decimals (e.g. a 9-decimal LST valued in 9-decimal SOL needs none). */
export function rescale(amount: bigint, fromDecimals: number, toDecimals: number): bigint {
  if (fromDecimals === toDecimals) return amount;
  if (toDecimals > fromDecimals) return amount * 10n ** BigInt(toDecimals - fromDecimals);
  return amount / 10n ** BigInt(fromDecimals - toDecimals);
}

/** amount × fraction (0..1), floored: fees, slippage, weights applied to NAV. */
export function mulFraction(amount: bigint, fraction: number): bigint {
  if (!(fraction >= 0)) throw new RangeError(`fraction must be non-negative, got ${fraction}`);
  return mulRate(amount, fraction);
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
