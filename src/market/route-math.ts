import { divRate, mulFraction, rescale } from '../domain/amount.js';
import type { AssetInfo, Universe } from '../config/universe.js';
import type { Quote } from './cost-model.js';
import { valueAt } from './valuation.js';

/**
 * What `amountIn` of `from` becomes in `to` through quote `q`. One function for estimates and fills, so
 * the planner's expectation and the paper executor's result cannot drift apart.
 */
export function convert(u: Universe, from: AssetInfo, to: AssetInfo, amountIn: bigint, q: Quote): bigint {
  if (to.id === u.baseAsset) return mulFraction(valueAt(u, from.id, amountIn, q.price), q.keep);
  if (from.id === u.baseAsset) return divRate(rescale(mulFraction(amountIn, q.keep), u.baseDecimals, to.decimals), q.price);
  // A token and its lending position: one for one, less any fee.
  return rescale(mulFraction(amountIn, q.keep), from.decimals, to.decimals);
}
