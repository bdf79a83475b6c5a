import { createHash } from 'node:crypto';
import { PublicKey, type AccountMeta } from '@solana/web3.js';
import { LayoutError } from '../../../sources/solana/bytes.js';
import type { PlannedAction } from '../../../domain/action.js';
import { BuildError } from '../../build-error.js';
import type { AccountSnapshot, SolAssetVenue, SolBuildContext } from './types.js';

/** Shared pieces of the Solana builders: data encoding, account metas, reads from the prepared snapshot. */

export { BuildError };

export function u64le(v: bigint): Buffer {
  if (v < 0n || v >= 1n << 64n) throw new RangeError(`${v} does not fit a u64`);
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}

/** Anchor's instruction discriminator: sha256("global:<name>")[0..8]. */
export function anchorDiscriminator(name: string): Buffer {
  return createHash('sha256').update(`global:${name}`).digest().subarray(0, 8);
}

export const w = (pubkey: PublicKey, isSigner = false): AccountMeta => ({ pubkey, isSigner, isWritable: true });
export const r = (pubkey: PublicKey, isSigner = false): AccountMeta => ({ pubkey, isSigner, isWritable: false });

export function pk(s: string, what: string, action: PlannedAction): PublicKey {
  try {
    return new PublicKey(s);
  } catch {
    throw new BuildError(`${what} "${s}" is not a public key`, action);
  }
}

/** The asset an action enters (mint, buy, supply) or leaves (the rest). */
export function receiptAsset(action: PlannedAction): string {
  return action.kind === 'mint' || action.kind === 'buy' || action.kind === 'supply' ? action.to : action.from;
}

/** The receipt asset of an action and its venue. */
export function receiptSide(action: PlannedAction, ctx: SolBuildContext): { asset: string; venue: SolAssetVenue | undefined } {
  const asset = receiptAsset(action);
  return { asset, venue: ctx.venues[asset] };
}

export function venueOf<K extends SolAssetVenue['kind']>(action: PlannedAction, ctx: SolBuildContext, kind: K): { asset: string; venue: Extract<SolAssetVenue, { kind: K }> } {
  const { asset, venue } = receiptSide(action, ctx);
  if (!venue || venue.kind !== kind) throw new BuildError(`${asset} is not configured as a ${kind} asset`, action);
  return { asset, venue: venue as Extract<SolAssetVenue, { kind: K }> };
}

export function mintOf(ctx: SolBuildContext, asset: string, action: PlannedAction): PublicKey {
  const m = ctx.mints[asset];
  if (!m) throw new BuildError(`no mint for ${asset} in the build context`, action);
  return pk(m, `${asset} mint`, action);
}

/** An account from the prepared snapshot, or a BuildError naming it (prepare did not run or it does not exist). */
export function accountIn(ctx: SolBuildContext, key: PublicKey, what: string, action: PlannedAction): AccountSnapshot {
  if (!ctx.chain) throw new BuildError(`no chain snapshot: prepare must read ${what} first`, action);
  const acc = ctx.chain.accounts.get(key.toBase58());
  if (acc === undefined) throw new BuildError(`${what} ${key.toBase58()} was not read by prepare`, action);
  if (acc === null) throw new BuildError(`${what} ${key.toBase58()} does not exist on chain`, action);
  return acc;
}

/** Parses an account with a layout parser, turning a layout failure into a BuildError naming the account. */
export function parsed<T>(ctx: SolBuildContext, key: PublicKey, what: string, owner: PublicKey | null, parse: (d: Uint8Array) => T, action: PlannedAction): T {
  const acc = accountIn(ctx, key, what, action);
  if (owner && !acc.owner.equals(owner)) throw new BuildError(`${what} ${key.toBase58()} is owned by ${acc.owner.toBase58()}, expected ${owner.toBase58()}`, action);
  try {
    return parse(acc.data);
  } catch (e) {
    if (e instanceof LayoutError) throw new BuildError(`${what} ${key.toBase58()}: ${e.message}`, action);
    throw e;
  }
}

export function requirePositive(action: PlannedAction, amount: bigint, what = 'amountIn'): void {
  if (amount <= 0n) throw new BuildError(`${what} must be positive (got ${amount})`, action);
}

/** Lamports as SOL for descriptions. */
export function sol(lamports: bigint, decimals = 9): string {
  const d = 10n ** BigInt(decimals);
  const frac = (lamports % d).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${lamports / d}${frac ? `.${frac}` : ''}`;
}

/** Base-asset value of `amount` of a receipt token at a rate expressed as SOL per 10^9 units. */
export function valueAt(amount: bigint, num: bigint, den: bigint): bigint {
  return den === 0n ? 0n : (amount * num) / den;
}
