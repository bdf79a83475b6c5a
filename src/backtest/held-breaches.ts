import type { AssetId } from '../domain/asset.js';
import type { Universe } from '../config/universe.js';
import type { Limits } from '../config/vault-schema.js';
import type { AllocationBounds } from '../risk/allocation-bounds.js';

/**
 * Caps the held allocation exceeds by more than the dead band (drift the planner would not correct).
 * Only the caps are read (assets, base asset, groups), so a journal's report measures breaches by this
 * same rule from the run's journaled limits; a step with no bounds (a halt before limits were built) has none.
 */
export function heldBreaches(w: Readonly<Record<AssetId, number>>, b: Pick<AllocationBounds, 'assets' | 'baseAsset' | 'groups'> | undefined, limits: Limits, u: Universe, band: number): string[] {
  if (!b) return [];
  const out: string[] = [];
  for (const id of b.assets) {
    if (id === b.baseAsset) continue;
    const kind = u.byId.get(id)?.kind;
    const cap = Math.min(limits.maxWeightPerAsset, (kind && limits.maxWeightPerKind[kind]) ?? 1);
    if ((w[id] ?? 0) > cap + band) out.push(`${id} ${(w[id] ?? 0).toFixed(4)} > ${cap.toFixed(4)}`);
  }
  for (const g of b.groups) {
    const total = g.members.reduce((s, id) => s + (w[id] ?? 0), 0);
    if (total > g.cap + band) out.push(`${g.kind} ${g.id} ${total.toFixed(4)} > ${g.cap}`);
  }
  return out;
}
