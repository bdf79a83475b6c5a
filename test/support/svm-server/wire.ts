import { PublicKey, type AccountInfo } from '@solana/web3.js';

/**
 * Accounts as they cross the loopback boundary between a test and its SVM server child (JSON lines and
 * JSON-RPC bodies): lamports as a decimal string (a u64 passes 2^53), data as base64.
 */
export interface WireAccount {
  readonly address: string;
  readonly lamports: string;
  readonly data: string;
  readonly owner: string;
  readonly executable: boolean;
}

/** An account as the tests read it back: money as bigint, bytes as a Buffer. */
export interface ChainAccount {
  readonly lamports: bigint;
  readonly data: Buffer;
  readonly owner: PublicKey;
  readonly executable: boolean;
}

export function toWire(address: PublicKey, info: AccountInfo<Uint8Array> | ChainAccount): WireAccount {
  return { address: address.toBase58(), lamports: BigInt(info.lamports).toString(), data: Buffer.from(info.data).toString('base64'), owner: info.owner.toBase58(), executable: info.executable };
}

export function fromWire(w: WireAccount): { address: PublicKey; account: ChainAccount } {
  return { address: new PublicKey(w.address), account: { lamports: BigInt(w.lamports), data: Buffer.from(w.data, 'base64'), owner: new PublicKey(w.owner), executable: w.executable } };
}

/** The clock sysvar's fields, as decimal strings. */
export interface WireClock {
  readonly slot: string;
  readonly epochStartTimestamp: string;
  readonly epoch: string;
  readonly leaderScheduleEpoch: string;
  readonly unixTimestamp: string;
}

/** What the child reads as its first stdin line. */
export interface ServerConfig {
  readonly accounts: readonly WireAccount[];
  readonly blockTimeMs?: number | undefined;
  /** Program ids from svm-doubles.ts to serve; all of them when absent. */
  readonly doubles?: readonly string[] | undefined;
}

/** The line the child prints on stdout once it listens: the handshake. */
export const READY_PREFIX = 'svm-rpc listening on port ';
