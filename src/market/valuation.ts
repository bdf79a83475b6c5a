import type { AssetId } from '../domain/asset.js';
import { mulRate, rescale } from '../domain/amount.js';
import type { Portfolio } from '../domain/portfolio.js';
import type { AssetInfo, Universe } from '../config/universe.js';
import { fieldValue, type Snapshot } from './asset-view.js';

/**
 * The asset a position is priced through: a lending position is worth its supplied token, one for one
 * (aTokens and Kamino collateral track the supplied amount via the supply index).
 */
export function pricedAs(u: Universe, a: AssetInfo): AssetInfo {
  if (a.kind === 'lending' && a.lendingOf) return u.registryAssets.get(a.lendingOf) ?? a;
  return a;
}

/** Fair (redemption) rate in base asset per whole token; 1 for native assets. */
export function fairRate(u: Universe, snap: Snapshot, id: AssetId): number | undefined {
  const a = u.registryAssets.get(id);
  if (!a) return undefined;
  if (a.kind === 'native') return 1;
  const own = fieldValue(snap.assets.get(id), 'fairRate');
  if (own !== undefined) return own;
  const p = pricedAs(u, a);
  return p === a ? undefined : fairRate(u, snap, p.id);
}

/** Market price in base per token when recorded; undefined otherwise. */
export function marketRate(u: Universe, snap: Snapshot, id: AssetId): number | undefined {
  const a = u.registryAssets.get(id);
  if (!a) return undefined;
  if (a.kind === 'native') return 1;
  if (a.kind === 'lending') return a.lendingOf ? marketRate(u, snap, a.lendingOf) : undefined;
  return fieldValue(snap.assets.get(id), 'marketRate');
}

/**
 * Mark-to-market: the recorded market price where there is one (so a depeg shows up in NAV), else the
 * fair rate. Undefined when the asset cannot be valued at all.
 */
export function markOf(u: Universe, snap: Snapshot, id: AssetId): number | undefined {
  return marketRate(u, snap, id) ?? fairRate(u, snap, id);
}

/** Base units of the base asset that `amount` base units of `id` are worth at `rate`. */
export function valueAt(u: Universe, id: AssetId, amount: bigint, rate: number): bigint {
  const a = u.registryAssets.get(id);
  const decimals = a?.decimals ?? u.baseDecimals;
  return rescale(mulRate(amount, rate), decimals, u.baseDecimals);
}

export interface Valuation {
  /** Total value in base units: holdings at marks plus pending redemptions at their expected payout. */
  readonly nav: bigint;
  readonly values: ReadonlyMap<AssetId, bigint>;
  readonly pendingBase: bigint;
  readonly marks: Readonly<Record<AssetId, number>>;
  /** Held assets that could not be valued (no rate recorded). */
  readonly unpriced: readonly AssetId[];
}

export function valuePortfolio(u: Universe, snap: Snapshot, p: Portfolio): Valuation {
  const values = new Map<AssetId, bigint>();
  const marks: Record<AssetId, number> = {};
  const unpriced: AssetId[] = [];
  let nav = 0n;
  for (const [id, amount] of p.holdings) {
    const m = markOf(u, snap, id);
    if (m === undefined) {
      unpriced.push(id);
      continue;
    }
    marks[id] = m;
    const v = valueAt(u, id, amount, m);
    values.set(id, v);
    nav += v;
  }
  let pendingBase = 0n;
  for (const r of p.pending) pendingBase += r.expectedBase;
  return { nav: nav + pendingBase, values, pendingBase, marks, unpriced };
}

/**
 * Current weights over NAV. Pending redemptions count toward the base asset: that value is on its way
 * back and is not available to any other position.
 */
export function currentWeights(u: Universe, v: Valuation): Record<AssetId, number> {
  const w: Record<AssetId, number> = {};
  if (v.nav <= 0n) return { [u.baseAsset]: 1 };
  const nav = Number(v.nav);
  for (const [id, val] of v.values) w[id] = Number(val) / nav;
  w[u.baseAsset] = (w[u.baseAsset] ?? 0) + Number(v.pendingBase) / nav;
  return w;
}
