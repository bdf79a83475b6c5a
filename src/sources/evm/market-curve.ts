import { curvePoolAbi } from './abi.js';
import type { CurveMarketConfig } from './evm-sources-config.js';
import { asUint, type MarketVenue } from './reader-types.js';

/** A Curve StableSwap pool: get_dy(i, j, dx) = coin j out for dx of coin i, fees and impact included. */
export function curveVenue(cfg: CurveMarketConfig): MarketVenue {
  return {
    quotesUnderlying: cfg.underlyingPerToken,
    quote: (dx) => ({ contract: 'Curve pool', address: cfg.pool, abi: curvePoolAbi, functionName: 'get_dy', args: [BigInt(cfg.i), BigInt(cfg.j), dx] }),
    amountOut: (v) => asUint(v, 'get_dy'),
  };
}
