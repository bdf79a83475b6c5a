import type { MarketConfig } from './evm-sources-config.js';
import { balancerVenue } from './market-balancer.js';
import { curveVenue } from './market-curve.js';
import type { MarketVenue } from './reader-types.js';
import { ethToWei, ratio, WAD } from './units.js';

/**
 * Market price and exit impact from DEX quotes at several sizes. Each size is sold as that many ETH worth
 * of the token at its fair rate (size / fairRate tokens), or as that many stETH when the pool trades stETH.
 * marketRate = ETH out per token at the smallest size; exitImpact = 1 − price(largest) / price(smallest).
 */

export function marketVenueFor(cfg: MarketConfig): MarketVenue {
  return cfg.kind === 'curve' ? curveVenue(cfg) : balancerVenue(cfg);
}

export interface QuotePlan {
  readonly sizeEth: number;
  /** Wei of the token (or stETH) sold. */
  readonly amountIn: bigint;
}

export function planQuotes(sizesEth: readonly number[], rateWad: bigint, venue: MarketVenue): QuotePlan[] {
  return sizesEth.map((sizeEth) => {
    const wei = ethToWei(sizeEth);
    const amountIn = venue.quotesUnderlying === 'stETH' ? wei : (wei * WAD) / rateWad;
    if (amountIn <= 0n) throw new RangeError(`size ${sizeEth} ETH is less than one wei of the token at rate ${rateWad}`);
    return { sizeEth, amountIn };
  });
}

export interface QuoteDiagnostic {
  readonly sizeEth: number;
  readonly amountIn: string;
  readonly amountOut: string;
  /** ETH out per unit sold (per stETH for a stETH pool). */
  readonly price: number;
}

export interface MarketReading {
  readonly marketRate: number;
  readonly exitImpact?: number | undefined;
  readonly exitSizeBase?: number | undefined;
  readonly quotes: readonly QuoteDiagnostic[];
}

export function marketFromQuotes(plans: readonly QuotePlan[], outs: readonly bigint[], rateWad: bigint, venue: MarketVenue): MarketReading {
  const quotes = plans.map((p, k): QuoteDiagnostic => {
    const out = outs[k] as bigint;
    return { sizeEth: p.sizeEth, amountIn: p.amountIn.toString(), amountOut: out.toString(), price: ratio(out, p.amountIn) };
  });
  const small = plans[0] as QuotePlan;
  const smallOut = outs[0] as bigint;
  const marketRate = venue.quotesUnderlying === 'stETH' ? ratio(smallOut * rateWad, small.amountIn * WAD) : ratio(smallOut, small.amountIn);
  if (plans.length < 2) return { marketRate, quotes };
  const large = plans[plans.length - 1] as QuotePlan;
  const largeOut = outs[outs.length - 1] as bigint;
  // 1 − (out_L / in_L) / (out_S / in_S), as one ratio of integers; a tiny negative (rounding, or a pool
  // that pays more at size) is reported as no impact.
  const relative = ratio(largeOut * small.amountIn, large.amountIn * smallOut);
  const exitImpact = smallOut === 0n ? Number.NaN : Math.max(0, 1 - relative);
  return { marketRate, exitImpact, exitSizeBase: large.sizeEth, quotes };
}
