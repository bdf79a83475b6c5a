import { readFileSync } from 'node:fs';
import { PublicKey, type AccountInfo } from '@solana/web3.js';
import type { AccountSnapshot, ChainSnapshot, SolChainReader } from '../../src/chains/solana/builders/types.js';

/** Real mainnet account dumps in ../shared/data/accounts (read in place, never copied into the project). */
export const ACCOUNTS_DIR = new URL('../../../shared/data/accounts/', import.meta.url);

export interface DumpedAccount {
  readonly pubkey: PublicKey;
  readonly account: AccountSnapshot;
}

export function loadDump(file: string): DumpedAccount {
  const j = JSON.parse(readFileSync(new URL(file, ACCOUNTS_DIR), 'utf8')) as { pubkey: string; account: { lamports: number; data: [string, string]; owner: string } };
  return { pubkey: new PublicKey(j.pubkey), account: { data: new Uint8Array(Buffer.from(j.account.data[0], 'base64')), owner: new PublicKey(j.account.owner), lamports: BigInt(j.account.lamports) } };
}

/** A dumped account as the chain takes it (svm-rpc's startSvmRpc accounts). */
export function dumpInfo(d: DumpedAccount): AccountInfo<Uint8Array> {
  return { lamports: Number(d.account.lamports), data: d.account.data, owner: d.account.owner, executable: false };
}

export function snapshot(slot: bigint, epoch: bigint, accounts: ReadonlyArray<readonly [PublicKey, AccountSnapshot | null]>): ChainSnapshot {
  return { slot, epoch, accounts: new Map(accounts.map(([k, a]) => [k.toBase58(), a])) };
}

/** A reader over a fixed set of accounts: returns exactly the keys asked for (missing ones as null). */
export function fixedReader(slot: bigint, epoch: bigint, accounts: ReadonlyArray<readonly [PublicKey, AccountSnapshot]>): SolChainReader & { reads: string[][] } {
  const all = new Map(accounts.map(([k, a]) => [k.toBase58(), a]));
  const reads: string[][] = [];
  return {
    reads,
    async readAccounts(keys) {
      reads.push(keys.map((k) => k.toBase58()));
      return { slot, epoch, accounts: new Map(keys.map((k) => [k.toBase58(), all.get(k.toBase58()) ?? null])) };
    },
  };
}
