import type { AssetId } from '../domain/asset.js';

/**
 * What quarantined readings mean for a decision. Pure, over plain types. An asset whose readings are
 * held is valued at its last trusted state and not traded: no new money, no forced exit on the
 * strength of an unconfirmed number, and the planner is handed its current weight as its target. A
 * lending position over a quarantined token is frozen with it (it is priced, entered and left through
 * that token).
 */
export interface FreezableAsset {
  readonly id: AssetId;
  readonly lendingOf?: AssetId | undefined;
}

export function frozenAssets(assets: readonly FreezableAsset[], quarantined: ReadonlyMap<AssetId, string>): Map<AssetId, string> {
  const out = new Map<AssetId, string>();
  if (quarantined.size === 0) return out;
  for (const a of assets) {
    const own = quarantined.get(a.id);
    const via = a.lendingOf !== undefined ? quarantined.get(a.lendingOf) : undefined;
    if (own !== undefined) out.set(a.id, own);
    else if (via !== undefined) out.set(a.id, `its supplied token ${a.lendingOf} is quarantined: ${via}`);
  }
  return out;
}

export interface FreezeableEffect {
  readonly halt: boolean;
  readonly forceExit: ReadonlySet<AssetId>;
  readonly excluded: ReadonlyMap<AssetId, string>;
}

/** The breaker effect with frozen assets closed to new money and taken out of forced exits. */
export function freezeEffect<E extends FreezeableEffect>(effect: E, frozen: ReadonlyMap<AssetId, string>): E {
  if (frozen.size === 0) return effect;
  const excluded = new Map(effect.excluded);
  for (const [id, why] of frozen) excluded.set(id, `quarantined reading: ${why}`);
  const forceExit = new Set([...effect.forceExit].filter((id) => !frozen.has(id)));
  return { ...effect, excluded, forceExit };
}

/** Targets the planner acts on: a frozen asset's target is what it weighs now, so it is not traded. */
export function pinFrozen(targets: Readonly<Record<AssetId, number>>, current: Readonly<Record<AssetId, number>>, frozen: ReadonlyMap<AssetId, string>): Readonly<Record<AssetId, number>> {
  if (frozen.size === 0) return targets;
  const out: Record<AssetId, number> = { ...targets };
  for (const id of frozen.keys()) out[id] = current[id] ?? 0;
  return out;
}
