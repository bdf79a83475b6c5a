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

/**
 * The real JitoSOL pool and Marinade State accounts (with the reserve, fee account and mints the
 * deposits touch), their exchange rates set to the recorded ones the sol-staking replay plans with on
 * 2023-03-01 (4000 SOL → 3917.252872 JitoSOL, → 3649.807424 mSOL): the dumps are from 2025, so the chain
 * and the plan agree only once the rates are those of the day.
 */
export function recordedRatePoolAccounts(): Array<{ address: PublicKey; info: AccountInfo<Uint8Array> }> {
  const SOL = 1_000_000_000n;
  const pool = loadDump('jitoSOL_stake_pool.json');
  const poolData = Buffer.from(pool.account.data);
  poolData.writeBigUInt64LE((poolData.readBigUInt64LE(266) * 4000n * SOL) / 3_917_252_872_000n + 1n, 258);
  const state = loadDump('mSOL_stake_pool.json');
  const stateData = Buffer.from(state.account.data);
  stateData.writeBigUInt64LE(((4000n * SOL) << 32n) / 3_649_807_424_000n + 1n, 512);
  const rest = ['jitoSOL_stake_pool_reserve_stake.json', 'jitoSOL_stake_pool_manager_fee.json', 'jitoSOL_mint.json', 'mSOL_mint.json'].map(loadDump);
  return [
    { address: pool.pubkey, info: dumpInfo({ ...pool, account: { ...pool.account, data: poolData } }) },
    { address: state.pubkey, info: dumpInfo({ ...state, account: { ...state.account, data: stateData } }) },
    ...rest.map((d) => ({ address: d.pubkey, info: dumpInfo(d) })),
  ];
}
