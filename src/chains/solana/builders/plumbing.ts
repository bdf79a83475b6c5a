import { createHash } from 'node:crypto';
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  NATIVE_MINT,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createCloseAccountInstruction,
  createSyncNativeInstruction,
  getAssociatedTokenAddressSync,
} from '@solana/spl-token';
import { ComputeBudgetProgram, PublicKey, StakeProgram, SystemProgram, type TransactionInstruction } from '@solana/web3.js';

/**
 * Plumbing every protocol builder shares: the vault's associated token accounts, wrapping and unwrapping
 * SOL, accounts created at an address derived from the vault and a seed (no extra signer, and the same
 * address when a transaction is re-signed), and compute-budget instructions (the adapter prepends these
 * after simulation).
 */

export { NATIVE_MINT, TOKEN_PROGRAM_ID };

/** The vault's associated token account for a mint (off-curve owners refused: the vault is a wallet). */
export function ata(owner: PublicKey, mint: PublicKey, tokenProgram: PublicKey = TOKEN_PROGRAM_ID): PublicKey {
  return getAssociatedTokenAddressSync(mint, owner, false, tokenProgram, ASSOCIATED_TOKEN_PROGRAM_ID);
}

/**
 * The vault's ATA as the builders name it: a wallet vault's (off-curve refused) or, when the context says
 * the vault is a program address (a Squads vault PDA the multisig signs for), that PDA's.
 */
export function vaultAta(ctx: { readonly vault: PublicKey; readonly vaultOffCurve?: boolean | undefined }, mint: PublicKey, tokenProgram: PublicKey = TOKEN_PROGRAM_ID): PublicKey {
  return ctx.vaultOffCurve ? pdaAta(ctx.vault, mint, tokenProgram) : ata(ctx.vault, mint, tokenProgram);
}

/** The ATA of a program-derived owner (a vault PDA, a withdrawal ticket). */
export function pdaAta(owner: PublicKey, mint: PublicKey, tokenProgram: PublicKey = TOKEN_PROGRAM_ID): PublicKey {
  return getAssociatedTokenAddressSync(mint, owner, true, tokenProgram, ASSOCIATED_TOKEN_PROGRAM_ID);
}

/** Creates the ATA if missing; a no-op when it exists (so the same transaction is safe to build twice). */
export function ensureAta(payer: PublicKey, owner: PublicKey, mint: PublicKey, tokenProgram: PublicKey = TOKEN_PROGRAM_ID): TransactionInstruction {
  return createAssociatedTokenAccountIdempotentInstruction(payer, pdaAta(owner, mint, tokenProgram), owner, mint, tokenProgram, ASSOCIATED_TOKEN_PROGRAM_ID);
}

/** Wraps `lamports` into the vault's wSOL ATA: create it, transfer, sync. */
export function wrapSol(vault: PublicKey, lamports: bigint, offCurve = false): TransactionInstruction[] {
  const wsol = vaultAta({ vault, vaultOffCurve: offCurve }, NATIVE_MINT);
  return [ensureAta(vault, vault, NATIVE_MINT), SystemProgram.transfer({ fromPubkey: vault, toPubkey: wsol, lamports }), createSyncNativeInstruction(wsol)];
}

/** Closes the vault's wSOL ATA back into the vault: every lamport returns as SOL. Destination is always the vault. */
export function unwrapSol(vault: PublicKey, offCurve = false): TransactionInstruction {
  return createCloseAccountInstruction(vaultAta({ vault, vaultOffCurve: offCurve }, NATIVE_MINT), vault, vault);
}

/** An account at createWithSeed(vault, seed, owner), funded and allocated by the vault. */
export function seededAccount(vault: PublicKey, seed: string, owner: PublicKey): PublicKey {
  if (seed.length > 32) throw new RangeError(`seed "${seed}" is longer than 32 bytes`);
  // sha256(base || seed || owner): SystemProgram's create_with_seed address (web3.js 1 only has it async).
  return new PublicKey(createHash('sha256').update(Buffer.concat([vault.toBuffer(), Buffer.from(seed), owner.toBuffer()])).digest());
}

export function createSeededAccount(vault: PublicKey, seed: string, owner: PublicKey, space: number, lamports: bigint): TransactionInstruction {
  return SystemProgram.createAccountWithSeed({
    fromPubkey: vault,
    basePubkey: vault,
    seed,
    newAccountPubkey: seededAccount(vault, seed, owner),
    lamports: Number(lamports),
    space,
    programId: owner,
  });
}

/** Size of a stake account (StakeStateV2) and of a Marinade ticket. */
export const STAKE_ACCOUNT_SPACE = StakeProgram.space;

/** Compute-unit limit and price (micro-lamports per CU): the adapter sets both from simulation and fee history. */
export function computeBudget(units: number, microLamportsPerCu: bigint): TransactionInstruction[] {
  return [ComputeBudgetProgram.setComputeUnitLimit({ units }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: microLamportsPerCu })];
}
