import { PublicKey, type Commitment, type Connection } from '@solana/web3.js';
import type { AssetId } from '../../domain/asset.js';
import type { ChainBalances } from '../chain-executor.js';
import { vaultAta } from './builders/plumbing.js';
import type { SolAssetVenue } from './builders/types.js';
import { klendPositionValue, klendReserves } from './klend-position.js';

/**
 * The vault's balances from the chain, all in one getMultipleAccounts (one slot): SOL is the wallet's
 * lamports, every other asset the amount in the vault's associated token account for its mint (0 when the
 * account does not exist; `offCurve`: the vault is a program address, a Squads vault PDA). Pending redemptions (split stake, tickets) are read by pending-redemptions.ts.
 * A Kamino (klend) supply position is valued in its liquidity from its reserve, read in the same call (klend-position.ts).
 */
export function solanaBalances(connection: Connection, vault: PublicKey, nativeAsset: AssetId, mints: Readonly<Record<AssetId, string>>, commitment: Commitment, offCurve = false, venues: Readonly<Record<AssetId, SolAssetVenue>> = {}): ChainBalances {
  const reserves = klendReserves(venues);
  async function read(assets: readonly AssetId[], minSlot?: bigint): Promise<Record<AssetId, bigint> | string> {
    const keys: PublicKey[] = [];
    const valued = assets.filter((a) => reserves.has(a));
    for (const a of assets) {
      if (a === nativeAsset) keys.push(vault);
      else {
        const m = mints[a];
        if (!m) return `no mint configured for ${a}`;
        keys.push(vaultAta({ vault, vaultOffCurve: offCurve }, new PublicKey(m)));
      }
    }
    for (const a of valued) keys.push(reserves.get(a) as PublicKey);
    const res = await connection.getMultipleAccountsInfoAndContext(keys, { commitment, ...(minSlot !== undefined ? { minContextSlot: Number(minSlot) } : {}) });
    const out: Record<AssetId, bigint> = {};
    assets.forEach((a, i) => {
      const acc = res.value[i];
      out[a] = !acc ? 0n : a === nativeAsset ? BigInt(acc.lamports) : acc.data.length >= 72 ? acc.data.readBigUInt64LE(64) : 0n;
    });
    for (const [i, a] of valued.entries()) {
      if (out[a] === 0n) continue;
      const v = klendPositionValue(a, reserves.get(a) as PublicKey, res.value[assets.length + i]?.data, out[a] as bigint);
      if (typeof v === 'string') return v;
      out[a] = v;
    }
    return out;
  }
  return {
    read,
    async holdings(universe) {
      const ids = universe.assets.map((a) => a.id).filter((id) => id === nativeAsset || mints[id] !== undefined);
      const r = await read(ids);
      // An unreadable valuation (a Kamino reserve) fails the read: the keeper journals it and does not act.
      if (typeof r === 'string') throw new Error(r);
      return new Map(Object.entries(r));
    },
  };
}
