import type { AssetId, Chain } from '../domain/asset.js';
import type { AssetSpec, LayerSpec, Registry } from './registry-schema.js';

/** A registry asset with its id attached, as the rest of the program handles it. */
export type AssetInfo = AssetSpec & { readonly id: AssetId };

/** The assets a vault may hold, resolved against the registry: what risk, planner and strategies see. */
export interface Universe {
  readonly chain: Chain;
  readonly baseAsset: AssetId;
  readonly baseDecimals: number;
  /** Universe assets in config order; the base asset first. */
  readonly assets: readonly AssetInfo[];
  readonly byId: ReadonlyMap<AssetId, AssetInfo>;
  /** Every registry asset (a lending position's supplied asset may sit outside the universe). */
  readonly registryAssets: ReadonlyMap<AssetId, AssetInfo>;
  readonly layers: ReadonlyMap<string, LayerSpec>;
  /** Base units paid per gas unit on this chain. */
  readonly gasPrice: bigint;
}

export function buildUniverse(registry: Registry, chain: Chain, baseAsset: AssetId, ids: readonly AssetId[]): Universe {
  const registryAssets = new Map<AssetId, AssetInfo>(Object.entries(registry.assets).map(([id, a]) => [id, { ...a, id }]));
  const ordered = [baseAsset, ...ids.filter((i) => i !== baseAsset)];
  const assets = ordered.map((id) => {
    const a = registryAssets.get(id);
    if (!a) throw new Error(`asset "${id}" is not in the registry`);
    return a;
  });
  const base = registryAssets.get(baseAsset);
  const costs = registry.chains[chain];
  if (!base || !costs) throw new Error(`registry lacks base asset ${baseAsset} or chain ${chain}`);
  return {
    chain,
    baseAsset,
    baseDecimals: base.decimals,
    assets,
    byId: new Map(assets.map((a) => [a.id, a])),
    registryAssets,
    layers: new Map(Object.entries(registry.layers)),
    gasPrice: BigInt(costs.gasPriceBaseUnits),
  };
}

/**
 * The token a lending position supplies, when reaching it needs its own leg. A native supplied asset
 * (WETH for ETH) is reached directly from the base asset (Aave's gateway wraps and supplies in one
 * call), so it returns undefined, as it does for a non-lending asset.
 */
export function suppliedToken(u: Universe, a: AssetInfo): AssetInfo | undefined {
  if (a.kind !== 'lending' || !a.lendingOf) return undefined;
  const t = u.registryAssets.get(a.lendingOf);
  return t && t.kind !== 'native' ? t : undefined;
}
