import { mulRate } from '../domain/amount.js';
import type { Portfolio } from '../domain/portfolio.js';
import type { Universe } from '../config/universe.js';
import type { Snapshot } from './asset-view.js';

/**
 * Rebasing positions (aTokens, Kamino supply) grow with the protocol's supply index: the balance is
 * scaled by index_now / index_last_applied. Receipt tokens do not rebase; their fair rate grows
 * instead, which valuation already sees.
 */
export function accrueRebasing(u: Universe, snap: Snapshot, p: Portfolio): Portfolio {
  let holdings: Map<string, bigint> | undefined;
  let indexSeen: Map<string, number> | undefined;
  for (const [id, amount] of p.holdings) {
    const a = u.registryAssets.get(id);
    if (!a?.rebasing) continue;
    const idx = snap.assets.get(id)?.fields.supplyIndex?.value;
    if (idx === undefined) continue;
    const prev = p.indexSeen.get(id);
    holdings ??= new Map(p.holdings);
    indexSeen ??= new Map(p.indexSeen);
    if (prev !== undefined && idx > prev) holdings.set(id, mulRate(amount, idx / prev));
    // A lower index would mean bad debt socialized; it is not applied silently (breakers watch the rate).
    if (prev === undefined || idx > prev) indexSeen.set(id, idx);
  }
  return holdings && indexSeen ? { ...p, holdings, indexSeen } : p;
}
