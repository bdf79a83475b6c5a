import type { PublicKey } from '@solana/web3.js';
import type { PlannedAction } from '../../../domain/action.js';
import { BuildError, sol } from './common.js';
import { NATIVE_MINT, TOKEN_PROGRAM_ID, vaultAta } from './plumbing.js';
import type { AccountSnapshot, SolBuildContext } from './types.js';

/**
 * A builder whose transaction closes the vault's wrapped-SOL ATA (unwrapSol, or Jupiter's cleanup with
 * wrapAndUnwrapSol) sweeps every lamport in it into the vault as SOL. The keeper counts SOL as the vault's
 * lamports only, so wrapped SOL it did not wrap itself would surface as unexplained output: a reconciliation
 * halt, or worse, credited to the action. Such builders read the ATA in prepare and refuse while it holds
 * anything beyond its rent reserve. An absent or empty ATA is fine.
 */

/** The vault's wrapped-SOL ATA, which prepare must read alongside its other accounts. */
export function wrappedSolAta(ctx: SolBuildContext): PublicKey {
  return vaultAta(ctx, NATIVE_MINT);
}

// SPL token account: amount at 64, is_native COption<u64> (tag u32 at 109, rent-exempt reserve at 113).
const TOKEN_ACCOUNT_LEN = 165;

/** Throws a BuildError naming the ATA and what it holds when closing it would sweep SOL the keeper did not wrap. */
export function refuseForeignWrappedSol(acc: AccountSnapshot | null | undefined, ctx: SolBuildContext, action: PlannedAction): void {
  if (!acc) return;
  const key = wrappedSolAta(ctx).toBase58();
  const data = Buffer.from(acc.data);
  if (!acc.owner.equals(TOKEN_PROGRAM_ID) || data.length < TOKEN_ACCOUNT_LEN) {
    throw new BuildError(`the vault's wrapped-SOL account ${key} exists but is not an SPL token account (owner ${acc.owner.toBase58()}, ${data.length} bytes): the transaction would close it`, action);
  }
  const amount = data.readBigUInt64LE(64);
  const reserve = data.readUInt32LE(109) === 1 ? data.readBigUInt64LE(113) : 0n;
  // Lamports sent without a SyncNative are not in `amount` yet, but a close sweeps them all the same.
  const unsynced = acc.lamports > reserve + amount ? acc.lamports - reserve - amount : 0n;
  if (amount === 0n && unsynced === 0n) return;
  const what = [amount > 0n ? `${sol(amount)} wrapped SOL` : '', unsynced > 0n ? `${sol(unsynced)} SOL not yet synced` : ''].filter(Boolean).join(' and ');
  throw new BuildError(
    `the vault's wrapped-SOL account ${key} already holds ${what} that the keeper did not wrap; this action would close the account and sweep it into the vault's SOL. Unwrap it (close the account) or account for it first`,
    action,
  );
}
