import type { Universe } from '../config/universe.js';
import type { AssetId } from '../domain/asset.js';

export interface SnapshotWeights {
  readonly weights: Record<AssetId, number>;
  /** Held assets the snapshot has no mark for: their weight cannot be known. */
  readonly unpriced: readonly AssetId[];
}

/**
 * A journaled portfolio snapshot as weights of NAV: each holding at the snapshot's marks, queued
 * redemptions counted in the base asset (as the keeper's valuation and the backtest count them).
 */
export function snapshotWeights(u: Universe, portfolioJson: string, marksJson: string): SnapshotWeights {
  const pf = JSON.parse(portfolioJson) as { holdings?: Record<string, string>; pending?: { expectedBase: string }[] };
  const marks = JSON.parse(marksJson) as Record<string, number>;
  const decimals = (a: AssetId) => u.registryAssets.get(a)?.decimals ?? u.baseDecimals;
  const value: Record<AssetId, number> = {};
  const unpriced: AssetId[] = [];
  for (const [a, amount] of Object.entries(pf.holdings ?? {})) {
    const mark = marks[a] ?? (a === u.baseAsset ? 1 : undefined);
    if (mark === undefined && BigInt(amount) > 0n) unpriced.push(a);
    value[a] = (Number(BigInt(amount)) / 10 ** decimals(a)) * (mark ?? 0);
  }
  for (const p of pf.pending ?? []) value[u.baseAsset] = (value[u.baseAsset] ?? 0) + Number(BigInt(p.expectedBase)) / 10 ** u.baseDecimals;
  const total = Object.values(value).reduce((x, y) => x + y, 0);
  const weights: Record<AssetId, number> = {};
  for (const [a, v] of Object.entries(value)) weights[a] = total > 0 ? v / total : 0;
  return { weights, unpriced };
}
