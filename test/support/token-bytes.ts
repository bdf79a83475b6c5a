import { PublicKey } from '@solana/web3.js';
import { NATIVE_MINT } from '@solana/spl-token';
import { TOKEN_PROGRAM } from './double-kit.js';
import type { DoubleAccount } from './stake-pool-double.js';

/** SPL token account bytes (165): mint 0, owner 32, amount 64, state 108 = Initialized; a wSOL account is native (COption tag 109, rent 113). */
export function tokenAccountBytes(mint: PublicKey, owner: PublicKey, amount: bigint, rent = 2_039_280n): DoubleAccount {
  const d = Buffer.alloc(165);
  mint.toBuffer().copy(d, 0);
  owner.toBuffer().copy(d, 32);
  d.writeBigUInt64LE(amount, 64);
  d[108] = 1;
  const native = mint.equals(NATIVE_MINT);
  if (native) {
    d.writeUInt32LE(1, 109);
    d.writeBigUInt64LE(rent, 113);
  }
  return { lamports: rent + (native ? amount : 0n), data: d, owner: TOKEN_PROGRAM };
}

/** SPL mint bytes (82): mint authority COption at 0, supply 36, decimals 44, initialized 45. */
export function mintBytes(authority: PublicKey | null, supply: bigint, decimals: number): DoubleAccount {
  const d = Buffer.alloc(82);
  if (authority) {
    d.writeUInt32LE(1, 0);
    authority.toBuffer().copy(d, 4);
  }
  d.writeBigUInt64LE(supply, 36);
  d[44] = decimals;
  d[45] = 1;
  return { lamports: 1_461_600n, data: d, owner: TOKEN_PROGRAM };
}

/** A Map-backed account store for calling doubles directly. */
export function mapStore(accounts: ReadonlyArray<readonly [PublicKey, DoubleAccount]>) {
  const m = new Map(accounts.map(([k, v]) => [k.toBase58(), v]));
  return { map: m, get: (k: PublicKey) => m.get(k.toBase58()), set: (k: PublicKey, v: DoubleAccount) => void m.set(k.toBase58(), v) };
}
