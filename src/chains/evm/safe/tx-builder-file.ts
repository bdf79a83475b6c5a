import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import type { InnerCall } from './safe-tx.js';

/**
 * A Safe Transaction Builder batch file (the JSON the Safe web app's Transaction Builder imports): the
 * inner calls as raw {to, value, data}. The app batches them through MultiSendCallOnly itself at the
 * Safe's next nonce; with the same calls, nonce and no refund it arrives at the same safeTxHash the keeper
 * journaled, and the keeper recognises the execution by it (otherwise as a nonce used outside the keeper).
 * No checksum is written: the app accepts a file without one.
 */

export interface BuilderFile {
  readonly version: '1.0';
  readonly chainId: string;
  readonly createdAt: number;
  readonly meta: { readonly name: string; readonly description: string; readonly txBuilderVersion: string; readonly createdFromSafeAddress: Address; readonly createdFromOwnerAddress: string };
  readonly transactions: ReadonlyArray<{ readonly to: Address; readonly value: string; readonly data: Hex; readonly contractMethod: null; readonly contractInputsValues: null }>;
}

export function builderFile(p: { chainId: number; safe: Address; proposer: Address; createdAt: number; name: string; description: string; calls: readonly InnerCall[] }): BuilderFile {
  return {
    version: '1.0',
    chainId: String(p.chainId),
    createdAt: p.createdAt,
    meta: { name: p.name, description: p.description, txBuilderVersion: '1.16.5', createdFromSafeAddress: p.safe, createdFromOwnerAddress: p.proposer },
    transactions: p.calls.map((c) => ({ to: c.to, value: c.value.toString(), data: c.data, contractMethod: null, contractInputsValues: null })),
  };
}

/** Writes the file atomically (temp + rename) as `<dir>/<safe>-nonce-<n>-<hash prefix>.json`; rewriting the same proposal gives the same file. */
export function writeBuilderFile(dir: string, f: BuilderFile, p: { nonce: bigint; safeTxHash: Hex }): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${f.meta.createdFromSafeAddress}-nonce-${p.nonce}-${p.safeTxHash.slice(2, 10)}.json`);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(f, null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}
