import type { AssetKind } from '../domain/asset.js';
import type { PlausibilityBounds } from './plausibility.js';

/**
 * Per-kind defaults for what an asset can physically do, and the merge with an asset's own registry
 * entry. Derived, deliberately loose on real physics and tight on what no real asset does:
 * - fair-rate growth: Ethereum staking pays ~3 %/yr and restaking adds ~1-2 %; Solana LSTs ~7-9 %. The
 *   bundled histories' fastest reading-to-reading growth, annualised, is 36 %/yr (bSOL, one noisy epoch),
 *   so 50 %/yr passes every real step, while a jump of a percent in an hour or a day does not;
 * - a fair rate never falls by more than rounding (2 bp) without a slash or a loss to confirm;
 * - a supply index grows at most at the reserve's supply rate, below its borrow rate; Aave v3 and Kamino
 *   borrow curves top out near 100 %/yr at full utilisation, so 100 %/yr bounds any lending position;
 * - a market price moves its deviation from fair by at most 0.16 % an hour in the bundled history (the
 *   2024-08 weETH depeg included): 0.5 % (LSTs) / 0.75 % (thinner LRT/VRT markets) in one reading is a
 *   spike until confirmed, and no redeemable token trades 20-30 % from fair without its fair rate breaking;
 * - an APY more than 5 points and more than 3× away from its own median or its rate-implied APY is
 *   suspect (Aave WETH's real one-day spikes of ~17 points are confirmed by the next reading);
 * - TVL and exit liquidity do not change ×10 between two readings (the largest real step is ×6, sSOL).
 */
export const PLAUSIBILITY_BY_KIND: Readonly<Record<AssetKind, PlausibilityBounds>> = {
  native: { earnsByRate: false, maxRateApy: 0, maxRateDip: 0, maxIndexApy: 0, maxMarketMove: 0.005, maxMarketDeviation: 0.2, apyAbsTolerance: 0.05, apyRelTolerance: 2, maxLiquidityFactor: 10 },
  lst: { earnsByRate: true, maxRateApy: 0.5, maxRateDip: 0.0002, maxIndexApy: 1, maxMarketMove: 0.005, maxMarketDeviation: 0.2, apyAbsTolerance: 0.05, apyRelTolerance: 2, maxLiquidityFactor: 10 },
  lrt: { earnsByRate: true, maxRateApy: 0.5, maxRateDip: 0.0002, maxIndexApy: 1, maxMarketMove: 0.0075, maxMarketDeviation: 0.3, apyAbsTolerance: 0.05, apyRelTolerance: 2, maxLiquidityFactor: 10 },
  vrt: { earnsByRate: true, maxRateApy: 0.5, maxRateDip: 0.0002, maxIndexApy: 1, maxMarketMove: 0.0075, maxMarketDeviation: 0.3, apyAbsTolerance: 0.05, apyRelTolerance: 2, maxLiquidityFactor: 10 },
  lending: { earnsByRate: false, maxRateApy: 0.5, maxRateDip: 0.0002, maxIndexApy: 1, maxMarketMove: 0.0075, maxMarketDeviation: 0.3, apyAbsTolerance: 0.05, apyRelTolerance: 2, maxLiquidityFactor: 10 },
};

/** The kind's defaults with an asset's own overrides (its registry entry) on top. */
export function plausibilityFor(kind: AssetKind, overrides: Partial<Omit<PlausibilityBounds, 'earnsByRate'>> | undefined): PlausibilityBounds {
  const base = PLAUSIBILITY_BY_KIND[kind];
  if (!overrides) return base;
  const out: Record<string, number | boolean> = { ...base };
  for (const [k, v] of Object.entries(overrides)) if (typeof v === 'number') out[k] = v;
  return out as unknown as PlausibilityBounds;
}
