import { PublicKey, TransactionMessage, type AddressLookupTableAccount, type TransactionInstruction } from '@solana/web3.js';
import * as multisig from '@sqds/multisig';
import { encodeSquadsMessage, fromV0Message } from './squads-message.js';

/**
 * A cycle's Solana instructions as one Squads v4 vault transaction plus its proposal, built with
 * @sqds/multisig (web3.js 1). Facts: ../shared/reference/solana-execution.md (Squads v4 @ c14a6d60).
 *
 * Before anything is built the inner message — compiled with the vault PDA as payer, exactly as the
 * vault will execute it — goes through the Solana policy guard (a port here). After the SDK has built
 * vault_transaction_create, its data is decoded from the program's layout and the wrapped message must
 * equal this module's own encoding of the guarded message, byte for byte: what the members approve is
 * exactly what the guard allowed.
 */

export const VAULT_TRANSACTION_CREATE = Uint8Array.from([48, 250, 78, 168, 208, 226, 218, 211]);
export const PROPOSAL_CREATE = Uint8Array.from([220, 60, 73, 224, 30, 108, 79, 159]);
/** A placeholder blockhash for the inner message: Squads' compact message has no blockhash (the outer transaction carries one). */
const INNER_BLOCKHASH = PublicKey.default.toBase58();

export type SquadsGuard = (compiledV0Message: Uint8Array, vault: PublicKey, tables: readonly AddressLookupTableAccount[]) => { allowed: true; rules?: readonly string[] } | { allowed: false; reason: string };

export interface SquadsProposalRequest {
  readonly multisigPda: PublicKey;
  readonly vaultIndex: number;
  /** The keeper's member key (Initiate only). */
  readonly creator: PublicKey;
  readonly rentPayer?: PublicKey | undefined;
  /** The multisig's transactionIndex + 1. */
  readonly transactionIndex: bigint;
  readonly instructions: readonly TransactionInstruction[];
  readonly tables?: readonly AddressLookupTableAccount[] | undefined;
  readonly memo: string;
  readonly programId?: PublicKey | undefined;
}

export interface SquadsProposal {
  readonly vaultPda: PublicKey;
  readonly transactionPda: PublicKey;
  readonly proposalPda: PublicKey;
  /** vault_transaction_create, then proposal_create (not a draft). */
  readonly instructions: readonly [TransactionInstruction, TransactionInstruction];
  /** The compact message the vault transaction carries. */
  readonly message: Uint8Array;
  readonly memo: string;
  readonly rules?: readonly string[] | undefined;
}

export class SquadsProposalError extends Error {}

/** Borsh Option<String> memo and the args before it, read back from vault_transaction_create's data. */
export function decodeVaultTransactionCreate(data: Uint8Array): { vaultIndex: number; ephemeralSigners: number; message: Uint8Array; memo: string | null } {
  const head = data.subarray(0, 8);
  if (!head.every((b, i) => b === VAULT_TRANSACTION_CREATE[i])) throw new SquadsProposalError('not a vault_transaction_create instruction (discriminator)');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 8;
  const vaultIndex = data[at++] as number;
  const ephemeralSigners = data[at++] as number;
  const len = view.getUint32(at, true);
  at += 4;
  const message = data.slice(at, at + len);
  at += len;
  const tag = data[at++];
  let memo: string | null = null;
  if (tag === 1) {
    const m = view.getUint32(at, true);
    at += 4;
    memo = new TextDecoder().decode(data.subarray(at, at + m));
    at += m;
  } else if (tag !== 0) throw new SquadsProposalError(`memo option tag ${String(tag)}`);
  if (at !== data.length) throw new SquadsProposalError(`${data.length - at} trailing bytes after the memo`);
  return { vaultIndex, ephemeralSigners, message, memo };
}

/** The memo cut to `maxBytes` of UTF-8 (on a character boundary). */
export function fitMemo(memo: string, maxBytes: number): string {
  const enc = new TextEncoder();
  if (enc.encode(memo).length <= maxBytes) return memo;
  let s = memo;
  while (enc.encode(`${s}…`).length > maxBytes && s.length > 0) s = s.slice(0, -1);
  return `${s}…`;
}

export function buildSquadsProposal(req: SquadsProposalRequest, guard: SquadsGuard): SquadsProposal {
  const programId = req.programId ?? multisig.PROGRAM_ID;
  const [vaultPda] = multisig.getVaultPda({ multisigPda: req.multisigPda, index: req.vaultIndex, programId });
  const [transactionPda] = multisig.getTransactionPda({ multisigPda: req.multisigPda, index: req.transactionIndex, programId });
  const [proposalPda] = multisig.getProposalPda({ multisigPda: req.multisigPda, transactionIndex: req.transactionIndex, programId });
  if (req.instructions.length === 0) throw new SquadsProposalError('no instructions to propose');
  // The vault PDA is the only signer a vault transaction has (no ephemeral signers here): an instruction
  // needing any other signature could never execute.
  for (const [i, ix] of req.instructions.entries()) {
    const other = ix.keys.find((k) => k.isSigner && !k.pubkey.equals(vaultPda));
    if (other) throw new SquadsProposalError(`instruction ${i} (program ${ix.programId.toBase58()}) needs a signature from ${other.pubkey.toBase58()}, which is not the vault ${vaultPda.toBase58()}`);
  }
  const tables = [...(req.tables ?? [])];
  const inner = new TransactionMessage({ payerKey: vaultPda, recentBlockhash: INNER_BLOCKHASH, instructions: [...req.instructions] });
  const compiled = inner.compileToV0Message(tables);
  const verdict = guard(compiled.serialize(), vaultPda, tables);
  if (!verdict.allowed) throw new SquadsProposalError(`the policy guard refuses the vault transaction: ${verdict.reason}`);
  const ours = encodeSquadsMessage(fromV0Message(compiled));

  const create = multisig.instructions.vaultTransactionCreate({
    multisigPda: req.multisigPda,
    transactionIndex: req.transactionIndex,
    creator: req.creator,
    rentPayer: req.rentPayer ?? req.creator,
    vaultIndex: req.vaultIndex,
    ephemeralSigners: 0,
    transactionMessage: inner,
    addressLookupTableAccounts: tables,
    memo: req.memo,
    programId,
  });
  const proposal = multisig.instructions.proposalCreate({ multisigPda: req.multisigPda, creator: req.creator, rentPayer: req.rentPayer ?? req.creator, transactionIndex: req.transactionIndex, isDraft: false, programId });

  // What the SDK built must be what was guarded.
  const d = decodeVaultTransactionCreate(create.data);
  if (d.vaultIndex !== req.vaultIndex || d.ephemeralSigners !== 0) throw new SquadsProposalError('vault_transaction_create: vault index or ephemeral signers differ from the request');
  if (Buffer.compare(Buffer.from(d.message), Buffer.from(ours)) !== 0) throw new SquadsProposalError('the SDK wrapped a message different from the one the guard allowed');
  if (d.memo !== req.memo) throw new SquadsProposalError('the memo in vault_transaction_create differs from the request');
  if (!create.keys[1]?.pubkey.equals(transactionPda) || !proposal.keys[1]?.pubkey.equals(proposalPda)) throw new SquadsProposalError('the SDK derived a different transaction or proposal address');
  return { vaultPda, transactionPda, proposalPda, instructions: [create, proposal], message: ours, memo: req.memo, rules: verdict.rules };
}
