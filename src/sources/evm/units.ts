import { formatUnits, parseEther } from 'viem';

/** Fixed-point conversions for on-chain values. Every bigint → number step goes through a decimal string, so it is correctly rounded. */

export const WAD = 10n ** 18n;
export const RAY = 10n ** 27n;
/** Aave's SECONDS_PER_YEAR (365 days). */
export const SECONDS_PER_YEAR = 31_536_000;

/** A fixed-point integer with `decimals` decimals as a number (1203400000000000000n, 18 → 1.2034). */
export function fixed(raw: bigint, decimals: number): number {
  return Number(formatUnits(raw, decimals));
}

/** num / den as a number, to ~1e-27 absolute before rounding to a double. */
export function ratio(num: bigint, den: bigint): number {
  if (den === 0n) return Number.NaN;
  return fixed((num * RAY) / den, 27);
}

/** Whole ETH (a config size such as 1 or 1000) → wei. */
export function ethToWei(eth: number): bigint {
  const s = String(eth);
  return parseEther(s.includes('e') ? eth.toFixed(18) : s);
}

/**
 * APY of an Aave annual ray rate compounded per second: (1 + r/31536000)^31536000 − 1, evaluated as
 * expm1(n·log1p(r/n)) so the small per-second rate does not lose precision.
 */
export function apyFromAnnualRay(rateRay: bigint): number {
  const apr = fixed(rateRay, 27);
  return Math.expm1(SECONDS_PER_YEAR * Math.log1p(apr / SECONDS_PER_YEAR));
}

/**
 * Aave's normalized income at `nowSeconds`: the stored liquidityIndex grown by linear interest since the
 * reserve was last touched (MathUtils.calculateLinearInterest, then rayMul with half-up rounding). Equals
 * the stored index when the reserve was updated in this block — what Pool.getReserveNormalizedIncome returns.
 */
export function normalizedIncome(liquidityIndex: bigint, liquidityRate: bigint, lastUpdate: bigint, nowSeconds: bigint): bigint {
  if (nowSeconds <= lastUpdate) return liquidityIndex;
  const linear = RAY + (liquidityRate * (nowSeconds - lastUpdate)) / BigInt(SECONDS_PER_YEAR);
  return (linear * liquidityIndex + RAY / 2n) / RAY;
}
