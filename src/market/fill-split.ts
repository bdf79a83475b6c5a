import type { PlannedAction } from '../domain/action.js';
import { mulRate } from '../domain/amount.js';
import type { CostSplit } from '../domain/cost-split.js';
import type { Universe } from '../config/universe.js';
import type { Snapshot } from './asset-view.js';
import type { Quote } from './cost-model.js';
import { fairRate, marketRate, valueAt } from './valuation.js';

/**
 * Splits a fill's shortfall against fair value into gas, the venue's fee, slippage (price impact) and the
 * route price's distance from fair (depeg). Pure. In every split the parts sum exactly to
 * gas + value in − value out, both valued at fair.
 */

/** Routes that trade at the protocol's fair rate: no depeg and no impact, only the protocol's fee. */
const PROTOCOL_KINDS = new Set(['mint', 'supply', 'redeem-request', 'withdraw']);

/**
 * A paper (or backtest) fill against the quote it was filled at: the fee and the impact are the quote's own
 * parts of (1 − keep), so their split is exact; depeg is what is left of the gap to fair.
 */
export function paperSplit(q: Pick<Quote, 'kind' | 'keep' | 'feeFraction'>, gas: bigint, inValue: bigint, outValue: bigint): CostSplit {
  if (PROTOCOL_KINDS.has(q.kind)) {
    // At fair, the whole gap is the protocol's fee; a wei of rounding in the holder's favour is not a negative fee.
    const gap = inValue - outValue;
    return { gas, fee: gap > 0n ? gap : 0n, slippage: 0n, depeg: gap > 0n ? 0n : gap };
  }
  // Fair value of what the route would have given before fee and impact: out ÷ keep.
  const quoted = q.keep > 0 ? (outValue * 10n ** 18n) / BigInt(Math.round(q.keep * 1e18)) : outValue;
  const lost = quoted > outValue ? quoted - outValue : 0n;
  const taken = 1 - q.keep;
  const fee = taken > 0 ? mulRate(lost, Math.min(1, q.feeFraction / taken)) : 0n;
  return { gas, fee, slippage: lost - fee, depeg: inValue - outValue - lost };
}

export interface ChainFill {
  readonly amountIn: bigint;
  readonly amountOut: bigint;
  readonly gas: bigint;
}

const unknown = (gas: bigint, why: string): CostSplit => ({ gas, why });

/**
 * A chain fill, from what the receipts and balances say (amounts in and out, gas) and what the snapshot the
 * keeper decided on says (fair rates, the DEX's market price): fee = the venue's stated fee on the quoted
 * amount, slippage = the rest of the shortfall against the quote (negative when the fill beat it). Where a
 * part cannot be known (no fair rate, no market price, a route the registry does not name, a redemption
 * whose proceeds arrive only at its claim), only gas is recorded, with the reason.
 */
export function chainSplit(u: Universe, snap: Snapshot, a: Pick<PlannedAction, 'kind' | 'from' | 'to' | 'venue'>, f: ChainFill): CostSplit {
  if (a.kind === 'redeem-request' || a.kind === 'redeem-claim') return unknown(f.gas, 'a redemption is paid at its claim: its shortfall is not measured per transaction');
  const from = u.registryAssets.get(a.from);
  const to = u.registryAssets.get(a.to);
  if (!from || !to) return unknown(f.gas, `unknown asset ${from ? a.to : a.from}`);
  const fairFrom = fairRate(u, snap, from.id);
  const fairTo = fairRate(u, snap, to.id);
  if (fairFrom === undefined || fairTo === undefined) return unknown(f.gas, `no fair rate for ${fairFrom === undefined ? from.id : to.id} at execution`);
  const inValue = from.id === u.baseAsset ? f.amountIn : valueAt(u, from.id, f.amountIn, fairFrom);
  const outValue = to.id === u.baseAsset ? f.amountOut : valueAt(u, to.id, f.amountOut, fairTo);
  const route = a.kind === 'mint' || a.kind === 'supply' ? to.entry.mint : a.kind === 'buy' ? to.entry.dex : a.kind === 'sell' ? from.exit.dex : from.exit.redeem;
  if (!route) return unknown(f.gas, `the registry names no ${a.kind} route for ${a.kind === 'sell' || a.kind === 'withdraw' ? from.id : to.id}`);
  if ('venue' in route && route.venue !== a.venue) return unknown(f.gas, `venue ${a.venue} is not the registry's ${a.kind} route (${route.venue}): its fee is not known`);
  let quoted = inValue;
  if (a.kind === 'buy' || a.kind === 'sell') {
    const token = a.kind === 'buy' ? to.id : from.id;
    const market = marketRate(u, snap, token);
    const fair = a.kind === 'buy' ? fairTo : fairFrom;
    if (market === undefined || !(market > 0)) return unknown(f.gas, `no market price for ${token} at execution`);
    // Selling at market gets market/fair of fair value; buying at market gets fair/market of it.
    quoted = mulRate(inValue, a.kind === 'sell' ? market / fair : fair / market);
  }
  const fee = mulRate(quoted, route.feeFraction);
  return { gas: f.gas, fee, slippage: quoted - fee - outValue, depeg: inValue - quoted };
}
