import type { AssetId } from './asset.js';
import type { EpochMs } from './time.js';

/** Funds sent into a protocol's redemption queue: locked until claimableAt, then claimable as base asset. */
export interface PendingRedemption {
  readonly id: string;
  readonly asset: AssetId;
  /** Token amount handed to the queue, in the asset's base units. */
  readonly amountIn: bigint;
  /** Base-asset units the queue will pay out (fixed at request when the queue stops earning). */
  readonly expectedBase: bigint;
  readonly requestedAt: EpochMs;
  readonly claimableAt: EpochMs;
}

/**
 * What the vault holds. Immutable: every change makes a new Portfolio, so a plan can be applied to a
 * copy and compared without touching the original.
 */
export interface Portfolio {
  readonly holdings: ReadonlyMap<AssetId, bigint>;
  readonly pending: readonly PendingRedemption[];
  /** Last supply index applied to each rebasing holding, so accrual scales by the ratio since then. */
  readonly indexSeen: ReadonlyMap<AssetId, number>;
}

export function emptyPortfolio(): Portfolio {
  return { holdings: new Map(), pending: [], indexSeen: new Map() };
}

export function holding(p: Portfolio, asset: AssetId): bigint {
  return p.holdings.get(asset) ?? 0n;
}

export function withHolding(p: Portfolio, asset: AssetId, amount: bigint): Portfolio {
  if (amount < 0n) throw new RangeError(`holding of ${asset} would go negative (${amount})`);
  const holdings = new Map(p.holdings);
  if (amount === 0n) holdings.delete(asset);
  else holdings.set(asset, amount);
  return { ...p, holdings };
}

export function addHolding(p: Portfolio, asset: AssetId, delta: bigint): Portfolio {
  return withHolding(p, asset, holding(p, asset) + delta);
}

/** The JSON shape used by the journal and the CLI: bigints as decimal strings, exactly. */
export interface PortfolioJson {
  holdings: Record<string, string>;
  pending: Array<{ id: string; asset: string; amountIn: string; expectedBase: string; requestedAt: number; claimableAt: number }>;
  indexSeen: Record<string, number>;
}

export function portfolioToJson(p: Portfolio): PortfolioJson {
  return {
    holdings: Object.fromEntries([...p.holdings].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.toString()])),
    pending: p.pending.map((r) => ({ ...r, amountIn: r.amountIn.toString(), expectedBase: r.expectedBase.toString() })),
    indexSeen: Object.fromEntries([...p.indexSeen].sort(([a], [b]) => a.localeCompare(b))),
  };
}

export function portfolioFromJson(j: PortfolioJson): Portfolio {
  return {
    holdings: new Map(Object.entries(j.holdings).map(([k, v]) => [k, BigInt(v)])),
    pending: j.pending.map((r) => ({ ...r, amountIn: BigInt(r.amountIn), expectedBase: BigInt(r.expectedBase) })),
    indexSeen: new Map(Object.entries(j.indexSeen)),
  };
}
