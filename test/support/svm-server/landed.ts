import type { PublicKey, VersionedTransaction } from '@solana/web3.js';
import { base58 } from '../../../src/chains/solana/solana-adapter.js';

/** A transaction the chain took: what getSignatureStatuses and getTransaction answer from. */
export interface Landed {
  readonly slot: number;
  readonly err: unknown;
  readonly fee: number;
  readonly keys: string[];
  readonly pre: number[];
  readonly post: number[];
  readonly tx: VersionedTransaction;
  readonly logs: string[];
}

/** An account as JSON-RPC encodes it (base64 data). */
export const accountJson = (a: { lamports: number | bigint; data: Uint8Array; owner: PublicKey; executable: boolean } | null) =>
  a ? { lamports: Number(a.lamports), data: [Buffer.from(a.data).toString('base64'), 'base64'], owner: a.owner.toBase58(), executable: a.executable, rentEpoch: 0, space: a.data.length } : null;

/** getTransaction's answer for a landed v0 transaction, as a node gives it. */
export function transactionJson(l: Landed) {
  const m = l.tx.message;
  const lookedUpWritable = m.addressTableLookups.reduce((n, x) => n + x.writableIndexes.length, 0);
  const s = m.staticAccountKeys.length;
  return {
    slot: l.slot,
    blockTime: null,
    version: 0,
    transaction: {
      signatures: l.tx.signatures.map((x) => base58(x)),
      message: {
        header: m.header,
        accountKeys: m.staticAccountKeys.map((k) => k.toBase58()),
        recentBlockhash: m.recentBlockhash,
        instructions: m.compiledInstructions.map((ix) => ({ programIdIndex: ix.programIdIndex, accounts: [...ix.accountKeyIndexes], data: base58(ix.data), stackHeight: null })),
        addressTableLookups: m.addressTableLookups.map((x) => ({ accountKey: x.accountKey.toBase58(), writableIndexes: [...x.writableIndexes], readonlyIndexes: [...x.readonlyIndexes] })),
      },
    },
    meta: {
      err: l.err, fee: l.fee, preBalances: l.pre, postBalances: l.post, innerInstructions: [], logMessages: l.logs, preTokenBalances: [], postTokenBalances: [], rewards: [],
      loadedAddresses: { writable: l.keys.slice(s, s + lookedUpWritable), readonly: l.keys.slice(s + lookedUpWritable) },
      status: l.err ? { Err: l.err } : { Ok: null },
    },
  };
}
