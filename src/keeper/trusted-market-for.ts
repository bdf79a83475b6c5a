import type { LoadedVault } from '../config/load-vault.js';
import type { AssetId } from '../domain/asset.js';
import { parseDuration } from '../domain/time.js';
import { MarketState } from '../market/market-state.js';
import type { PlausibilityBounds } from '../market/plausibility.js';
import { plausibilityFor, PLAUSIBILITY_BY_KIND } from '../market/plausibility-bounds.js';
import { TrustedMarket } from '../market/trusted-market.js';

/** Each registry asset's physics: its kind's defaults under its own registry entry. */
export function plausibilityBounds(v: LoadedVault): (asset: AssetId) => PlausibilityBounds {
  const byAsset = new Map<AssetId, PlausibilityBounds>();
  for (const [id, a] of v.universe.registryAssets) {
    const { note: _note, ...own } = a.plausibility ?? { note: '' };
    byAsset.set(id, plausibilityFor(a.kind, own));
  }
  // A reading for an asset outside the registry is judged as the strictest receipt token would be.
  return (asset) => byAsset.get(asset) ?? PLAUSIBILITY_BY_KIND.lst;
}

/** The gated market view of a vault, built the same way by the backtest, paper and live keepers. */
export function trustedMarketFor(v: LoadedVault): TrustedMarket {
  const c = v.config;
  const window = parseDuration(c.apyWindow);
  const market = new MarketState(window, Math.max(window, parseDuration(c.breakers.staleData.maxAge)));
  return new TrustedMarket(market, plausibilityBounds(v), { confirmReadings: c.trust.quarantine.confirmReadings, impossibleAfterMs: parseDuration(c.trust.quarantine.impossibleAfter) });
}
