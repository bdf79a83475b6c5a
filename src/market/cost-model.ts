import type { ActionKind } from '../domain/action.js';
import { YEAR } from '../domain/time.js';
import { suppliedToken, type AssetInfo, type Universe } from '../config/universe.js';
import type { Snapshot } from './asset-view.js';
import { fieldValue } from './asset-view.js';
import { fairRate, marketRate } from './valuation.js';

/**
 * One way into or out of a position, priced at a size. The planner picks among these and the paper
 * executor fills at them, so an estimate and a simulated fill can never disagree on the model.
 *
 * - `price`: base asset per token the trade executes against (fair rate for protocol routes, market
 *   price for DEX routes);
 * - `keep`: fraction of the traded value kept after fee and price impact;
 * - `feeFraction`: the venue's stated fee (protocol fee, pool fee tier); price impact is 1 − keep − feeFraction;
 * - `costFraction`: everything lost relative to the fair value (fee, impact, and the market's distance
 *   from fair), excluding gas, so routes compare on one scale.
 */
export interface Quote {
  readonly kind: ActionKind;
  readonly venue: string;
  readonly price: number;
  readonly keep: number;
  readonly feeFraction: number;
  readonly costFraction: number;
  readonly gasUnits: number;
  readonly delaySeconds: number;
  readonly earnsWhileQueued: boolean;
  /** False when the route cannot take this size now (e.g. lending liquidity exhausted). */
  readonly available: boolean;
  readonly why?: string | undefined;
}

/**
 * The DEX depth to price a trade of `a` with: a recorded live exit quote (impact at a size) when one
 * exists, else the registry's prior for the venue.
 */
function depth(snap: Snapshot, a: AssetInfo, prior: { impactAtRef: number; refSizeBase: number }): { impactAtRef: number; refSizeBase: number } {
  const f = snap.assets.get(a.id)?.fields;
  const impact = f?.exitImpact?.value;
  const size = f?.exitSizeBase?.value;
  return impact !== undefined && size !== undefined && size > 0 ? { impactAtRef: impact, refSizeBase: size } : prior;
}

/** Linear price impact in size, capped so a huge order reads as ruinous rather than negative. */
export function priceImpact(impactAtRef: number, refSizeBase: number, sizeBase: number): number {
  return Math.min(0.99, (impactAtRef * Math.max(0, sizeBase)) / refSizeBase);
}

/** Whether a route existed at `t` (its optional `from`/`until` era; no era = always). */
export function routeOpen(r: { readonly from?: string | undefined; readonly until?: string | undefined }, t: number): boolean {
  return (r.from === undefined || t >= Date.parse(r.from)) && (r.until === undefined || t < Date.parse(r.until));
}

/** Direct routes into `a` from what it is bought with (the base asset, or the supplied token for lending). */
export function entryQuotes(u: Universe, snap: Snapshot, a: AssetInfo, sizeBase: number): Quote[] {
  if (a.kind === 'native') return [];
  const fair = fairRate(u, snap, a.id);
  if (fair === undefined) return [];
  const quotes: Quote[] = [];
  const mint = a.entry.mint && routeOpen(a.entry.mint, snap.time) ? a.entry.mint : undefined;
  if (mint) {
    quotes.push({
      kind: a.kind === 'lending' ? 'supply' : 'mint',
      venue: a.kind === 'lending' ? `${a.groups.protocol}:supply` : `${a.groups.protocol}:mint`,
      price: fair,
      keep: 1 - mint.feeFraction,
      feeFraction: mint.feeFraction,
      costFraction: mint.feeFraction,
      gasUnits: mint.gasUnits,
      delaySeconds: 0,
      earnsWhileQueued: true,
      available: true,
    });
  }
  const dex = a.entry.dex && routeOpen(a.entry.dex, snap.time) ? a.entry.dex : undefined;
  const market = marketRate(u, snap, a.id);
  if (dex && market !== undefined && a.kind !== 'lending') {
    const d = depth(snap, a, dex);
    const keep = 1 - dex.feeFraction - priceImpact(d.impactAtRef, d.refSizeBase, sizeBase);
    // Buying at market below fair gains the discount; above fair pays the premium.
    quotes.push({ kind: 'buy', venue: dex.venue, price: market, keep, feeFraction: dex.feeFraction, costFraction: 1 - (keep * fair) / market, gasUnits: dex.gasUnits, delaySeconds: 0, earnsWhileQueued: true, available: keep > 0 });
  }
  return quotes;
}

/** Direct routes out of `a` into what it returns (the base asset, or the supplied token for lending). */
export function exitQuotes(u: Universe, snap: Snapshot, a: AssetInfo, sizeBase: number): Quote[] {
  if (a.kind === 'native') return [];
  const fair = fairRate(u, snap, a.id);
  if (fair === undefined) return [];
  const quotes: Quote[] = [];
  const redeem = a.exit.redeem && routeOpen(a.exit.redeem, snap.time) ? a.exit.redeem : undefined;
  if (redeem) {
    if (a.kind === 'lending') {
      const liquidity = fieldValue(snap.assets.get(a.id), 'exitLiquidityBase');
      const available = liquidity === undefined || liquidity >= sizeBase;
      quotes.push({
        kind: 'withdraw',
        venue: `${a.groups.protocol}:withdraw`,
        price: fair,
        keep: 1 - redeem.feeFraction,
        feeFraction: redeem.feeFraction,
        costFraction: redeem.feeFraction,
        gasUnits: redeem.gasUnits,
        delaySeconds: redeem.delaySeconds,
        earnsWhileQueued: true,
        available,
        why: available ? undefined : `only ${liquidity?.toFixed(2)} base units of liquidity to withdraw`,
      });
    } else {
      const observedDelay = fieldValue(snap.assets.get(a.id), 'redemptionDelaySeconds');
      quotes.push({
        kind: 'redeem-request',
        venue: `${a.groups.protocol}:redeem`,
        price: fair,
        keep: 1 - redeem.feeFraction,
        feeFraction: redeem.feeFraction,
        costFraction: redeem.feeFraction,
        gasUnits: redeem.gasUnits,
        delaySeconds: observedDelay ?? redeem.delaySeconds,
        earnsWhileQueued: redeem.earnsWhileQueued,
        available: true,
      });
    }
  }
  const dex = a.exit.dex && routeOpen(a.exit.dex, snap.time) ? a.exit.dex : undefined;
  const market = marketRate(u, snap, a.id);
  if (dex && market !== undefined && a.kind !== 'lending') {
    const d = depth(snap, a, dex);
    const keep = 1 - dex.feeFraction - priceImpact(d.impactAtRef, d.refSizeBase, sizeBase);
    quotes.push({ kind: 'sell', venue: dex.venue, price: market, keep, feeFraction: dex.feeFraction, costFraction: 1 - (keep * market) / fair, gasUnits: dex.gasUnits, delaySeconds: 0, earnsWhileQueued: true, available: keep > 0 });
  }
  return quotes;
}

export interface RouteChoice {
  readonly quote: Quote;
  /** Cost fraction used to compare: cost + gas/size + yield forgone while queued. */
  readonly effectiveCost: number;
}

export interface ChoiceOptions {
  readonly maxDelaySeconds: number;
  readonly maxSlippage: number;
  /** The asset's expected yield: what a queue that stops earning costs per year of delay. */
  readonly yieldApy: number;
}

function gasFraction(u: Universe, gasUnits: number, sizeBase: number): number {
  if (sizeBase <= 0) return 0;
  const gasBase = Number(BigInt(gasUnits) * u.gasPrice) / 10 ** u.baseDecimals;
  return gasBase / sizeBase;
}

/** The cheapest acceptable route among `quotes` at `sizeBase`, or undefined if none qualifies. */
export function cheapest(u: Universe, quotes: readonly Quote[], sizeBase: number, o: ChoiceOptions): RouteChoice | undefined {
  let best: RouteChoice | undefined;
  for (const q of quotes) {
    if (!q.available || q.delaySeconds > o.maxDelaySeconds) continue;
    if ((q.kind === 'buy' || q.kind === 'sell') && 1 - q.keep > o.maxSlippage) continue;
    const forgone = q.earnsWhileQueued ? 0 : Math.max(0, o.yieldApy) * (q.delaySeconds * 1000 / YEAR);
    const effectiveCost = q.costFraction + gasFraction(u, q.gasUnits, sizeBase) + forgone;
    if (!best || effectiveCost < best.effectiveCost) best = { quote: q, effectiveCost };
  }
  return best;
}

/** The full path's cost into `a` from the base asset (a lending position adds the supplied token's entry). */
export function entryCost(u: Universe, snap: Snapshot, a: AssetInfo, sizeBase: number, o: ChoiceOptions): RouteChoice[] | undefined {
  if (a.kind === 'native') return [];
  const own = cheapest(u, entryQuotes(u, snap, a, sizeBase), sizeBase, o);
  if (!own) return undefined;
  const token = suppliedToken(u, a);
  if (!token) return [own];
  const first = entryCost(u, snap, token, sizeBase, o);
  return first ? [...first, own] : undefined;
}

/** The full path's cost out of `a` into the base asset (a lending position adds the supplied token's exit). */
export function exitCost(u: Universe, snap: Snapshot, a: AssetInfo, sizeBase: number, o: ChoiceOptions): RouteChoice[] | undefined {
  if (a.kind === 'native') return [];
  const own = cheapest(u, exitQuotes(u, snap, a, sizeBase), sizeBase, o);
  if (!own) return undefined;
  const token = suppliedToken(u, a);
  if (!token) return [own];
  const rest = exitCost(u, snap, token, sizeBase, o);
  return rest ? [own, ...rest] : undefined;
}

export function totalCost(path: readonly RouteChoice[]): number {
  return path.reduce((s, c) => s + c.effectiveCost, 0);
}

export function totalDelay(path: readonly RouteChoice[]): number {
  return path.reduce((s, c) => s + c.quote.delaySeconds, 0);
}
