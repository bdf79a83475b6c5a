import { PublicKey, type Commitment, type Connection } from '@solana/web3.js';
import type { AssetId } from '../../domain/asset.js';
import type { ChainBalances } from '../chain-executor.js';
import { vaultAta } from './builders/plumbing.js';

/**
 * The vault's balances from the chain, all in one getMultipleAccounts (one slot): SOL is the wallet's
 * lamports, every other asset the amount in the vault's associated token account for its mint (0 when the
 * account does not exist; `offCurve`: the vault is a program address, a Squads vault PDA). Pending redemptions (split stake, tickets) are read by pending-redemptions.ts.
 */
export function solanaBalances(connection: Connection, vault: PublicKey, nativeAsset: AssetId, mints: Readonly<Record<AssetId, string>>, commitment: Commitment, offCurve = false): ChainBalances {
  async function read(assets: readonly AssetId[], minSlot?: bigint): Promise<Record<AssetId, bigint> | string> {
    const keys: PublicKey[] = [];
    for (const a of assets) {
      if (a === nativeAsset) keys.push(vault);
      else {
        const m = mints[a];
        if (!m) return `no mint configured for ${a}`;
        keys.push(vaultAta({ vault, vaultOffCurve: offCurve }, new PublicKey(m)));
      }
    }
    const res = await connection.getMultipleAccountsInfoAndContext(keys, { commitment, ...(minSlot !== undefined ? { minContextSlot: Number(minSlot) } : {}) });
    const out: Record<AssetId, bigint> = {};
    assets.forEach((a, i) => {
      const acc = res.value[i];
      out[a] = !acc ? 0n : a === nativeAsset ? BigInt(acc.lamports) : acc.data.length >= 72 ? acc.data.readBigUInt64LE(64) : 0n;
    });
    return out;
  }
  return {
    read,
    async holdings(universe) {
      const ids = universe.assets.map((a) => a.id).filter((id) => id === nativeAsset || mints[id] !== undefined);
      const r = await read(ids);
      return new Map(typeof r === 'string' ? [] : Object.entries(r));
    },
  };
}
