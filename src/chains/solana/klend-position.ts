import { PublicKey } from '@solana/web3.js';
import type { AssetId } from '../../domain/asset.js';
import { parseKaminoReserve } from '../../sources/solana/kamino-reserve.js';
import { liquidityForCollateral } from './builders/kamino.js';
import type { SolAssetVenue } from './builders/types.js';

/**
 * A Kamino supply position is modelled as a rebasing balance in its liquidity (config/assets: "a rebasing
 * balance in SOL grown by the supply index"), and the klend builder takes a withdraw's amount in liquidity;
 * on chain the vault holds collateral cTokens, which do not rebase. The balance reader values them here,
 * from the reserve read in the same slot, so holdings, plans and the balance check share one unit.
 */
export function klendReserves(venues: Readonly<Record<AssetId, SolAssetVenue>>): ReadonlyMap<AssetId, PublicKey> {
  const out = new Map<AssetId, PublicKey>();
  for (const [id, v] of Object.entries(venues)) if (v.kind === 'klend') out.set(id, new PublicKey(v.reserve));
  return out;
}

/** The liquidity `collateral` cTokens redeem for at the reserve's stored rate, or why it cannot be read. */
export function klendPositionValue(asset: AssetId, reserve: PublicKey, data: Uint8Array | undefined, collateral: bigint): bigint | string {
  if (!data) return `${asset}: Kamino reserve ${reserve.toBase58()} not found; its position cannot be valued`;
  try {
    return liquidityForCollateral(parseKaminoReserve(data), collateral);
  } catch (e) {
    return `${asset}: Kamino reserve ${reserve.toBase58()} unreadable (${(e as Error).message}); its position cannot be valued`;
  }
}
