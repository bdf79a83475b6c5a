import type { AssetId } from '../domain/asset.js';
import { YEAR } from '../domain/time.js';
import type { AssetInfo, Universe } from '../config/universe.js';
import type { Snapshot } from '../market/asset-view.js';
import { fairRate, marketRate } from '../market/valuation.js';

/** What the readings say about one asset's peg: the inputs of the depeg response. */
export interface DepegSignals {
  readonly asset: AssetId;
  readonly fair: number;
  readonly market: number | undefined;
  /** 1 − market/fair (0 without a market price; negative at a premium). */
  readonly discount: number;
  /** Fall of the fair rate from its recent peak (0 when at the peak). */
  readonly fairFall: number;
  /** Annualized growth of the fair rate over the trailing window; null without history. */
  readonly fairTrendApy: number | null;
  /** Reasons the asset is impaired rather than merely illiquid (a falling or stale fair rate). */
  readonly impairment: readonly string[];
}

export interface SignalLimits {
  readonly fairRateDropTolerance: number;
  readonly staleMaxAgeMs: number;
  readonly maxRateStillnessMs: number;
}

/** The token whose rates and routes price `a` (a lending position is priced through what it supplies). */
export function pegToken(u: Universe, a: AssetInfo): AssetInfo {
  if (a.kind === 'lending' && a.lendingOf) return u.registryAssets.get(a.lendingOf) ?? a;
  return a;
}

const pct = (x: number) => `${(x * 100).toFixed(3)} %`;

/**
 * A discount with the fair rate intact is a liquidity event; a falling fair rate or a rate nobody
 * updates (stale by age, or stuck although read) is impairment. Undefined for a native asset or one
 * with no fair rate (missing data is its own breaker).
 */
export function depegSignals(u: Universe, snap: Snapshot, a: AssetInfo, lim: SignalLimits): DepegSignals | undefined {
  if (a.kind === 'native') return undefined;
  const token = pegToken(u, a);
  if (token.kind === 'native') return undefined;
  const fair = fairRate(u, snap, a.id);
  if (fair === undefined) return undefined;
  const market = marketRate(u, snap, a.id);
  const view = snap.assets.get(token.id);
  const impairment: string[] = [];
  const peak = view?.fairRatePeak ?? null;
  const fairFall = peak !== null && peak > 0 ? Math.max(0, 1 - fair / peak) : 0;
  if (fairFall > lim.fairRateDropTolerance) impairment.push(`fair rate ${pct(fairFall)} below its recent peak (a slash or a loss)`);
  const readAt = view?.fields.fairRate?.time;
  if (readAt !== undefined && snap.time - readAt > lim.staleMaxAgeMs) impairment.push(`fair rate not read for ${((snap.time - readAt) / 3_600_000).toFixed(1)} h (stale oracle)`);
  const accrues = token.kind === 'lst' || token.kind === 'lrt' || token.kind === 'vrt';
  const since = view?.fairRateSince ?? null;
  if (accrues && since !== null && readAt !== undefined && readAt > since && snap.time - since > lim.maxRateStillnessMs) {
    impairment.push(`fair rate unchanged for ${((snap.time - since) / 86_400_000).toFixed(1)} d although read (a stored rate nobody updates)`);
  }
  return {
    asset: a.id,
    fair,
    market,
    discount: market === undefined ? 0 : 1 - market / fair,
    fairFall,
    fairTrendApy: view?.rateGrowthApy ?? null,
    impairment,
  };
}

export const yearsOf = (ms: number) => ms / YEAR;
