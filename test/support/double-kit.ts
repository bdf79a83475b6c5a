import { createHash } from 'node:crypto';
import { PublicKey, SystemProgram } from '@solana/web3.js';
import { ASSOCIATED_TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { ProgramError, type AccountStore, type DoubleAccount, type DoubleIx, type ProgramDouble } from './stake-pool-double.js';

/** Shared by the program doubles (marinade-double.ts, jito-vault-double.ts, system-double.ts): token and lamport moves as the programs make them. */
export const TOKEN_PROGRAM = new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
/** Rent-exempt minimum at mainnet's rent: (128 + size) × 3480 × 2 lamports. */
export const rentFor = (size: number): bigint => BigInt((128 + size) * 6960);

export type Meta = DoubleIx['accounts'][number];

export function need(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new ProgramError(msg);
}

export function ataOf(owner: PublicKey, mint: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([owner.toBuffer(), TOKEN_PROGRAM.toBuffer(), mint.toBuffer()], ASSOCIATED_TOKEN_PROGRAM_ID)[0];
}

/** The token account at `key`: SPL layout (mint 0, owner 32, amount 64). */
export function tokenAccount(store: AccountStore, key: PublicKey, what: string): { mint: PublicKey; owner: PublicKey; amount: bigint } {
  const a = store.get(key);
  need(a !== undefined && a.data.length >= 165 && a.owner.equals(TOKEN_PROGRAM), `${what}: ${key.toBase58()} is not a token account`);
  return { mint: new PublicKey(a.data.subarray(0, 32)), owner: new PublicKey(a.data.subarray(32, 64)), amount: a.data.readBigUInt64LE(64) };
}

export function addTokens(store: AccountStore, key: PublicKey, mint: PublicKey, delta: bigint, what = 'token account'): void {
  const t = tokenAccount(store, key, what);
  need(t.mint.equals(mint), `${what}: ${key.toBase58()} is for another mint`);
  need(t.amount + delta >= 0n, `${what}: insufficient funds in ${key.toBase58()}`);
  const a = store.get(key) as DoubleAccount;
  a.data.writeBigUInt64LE(t.amount + delta, 64);
  store.set(key, a);
}

/** A mint's supply (u64 at 36) moved by delta. */
export function addSupply(store: AccountStore, mint: PublicKey, delta: bigint): void {
  const m = store.get(mint);
  need(m !== undefined && m.owner.equals(TOKEN_PROGRAM) && m.data.length >= 82, `mint ${mint.toBase58()} missing`);
  const s = m.data.readBigUInt64LE(36) + delta;
  need(s >= 0n, `mint ${mint.toBase58()}: supply would go negative`);
  m.data.writeBigUInt64LE(s, 36);
  store.set(mint, m);
}

export function moveLamports(store: AccountStore, from: PublicKey, to: PublicKey, n: bigint): void {
  const f = store.get(from);
  need(f !== undefined && f.lamports >= n, `insufficient lamports in ${from.toBase58()}`);
  const t = store.get(to) ?? { lamports: 0n, data: Buffer.alloc(0), owner: SystemProgram.programId };
  f.lamports -= n;
  t.lamports += n;
  store.set(from, f);
  store.set(to, t);
}

/** Closes an account into `to` (all its lamports), leaving it empty and system-owned. */
export function closeAccount(store: AccountStore, key: PublicKey, to: PublicKey): void {
  const a = store.get(key);
  need(a !== undefined, `account ${key.toBase58()} missing`);
  moveLamports(store, key, to, a.lamports);
  store.set(key, { lamports: 0n, data: Buffer.alloc(0), owner: SystemProgram.programId });
}

/** Exactly `n` accounts (the programs' account structs, plus `optional` trailing ones). */
export function accountsOf(ix: DoubleIx, n: number, optional = 0): Meta[] {
  need(ix.accounts.length >= n, `NotEnoughAccountKeys: ${ix.accounts.length} of ${n}`);
  need(ix.accounts.length <= n + optional, `too many accounts: ${ix.accounts.length}, at most ${n + optional}`);
  return [...ix.accounts];
}

export function anchorDisc(name: string, ns = 'global'): Buffer {
  return createHash('sha256').update(`${ns}:${name}`).digest().subarray(0, 8);
}

/** The chain's Clock sysvar as a double reads it (slot, epoch, wall time of the slot and of its epoch's start). */
export interface SvmClock {
  readonly slot: bigint;
  readonly epoch: bigint;
  readonly unixTimestamp: bigint;
  readonly epochStartTimestamp: bigint;
}

/** One line in an endpoint's doubles map: the program id and the double made over the chain's clock. */
export interface DoubleRegistration {
  readonly program: string;
  readonly make: (clock: () => SvmClock) => ProgramDouble;
}
