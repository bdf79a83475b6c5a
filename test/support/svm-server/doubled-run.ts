import { createPublicKey, verify } from 'node:crypto';
import { ComputeBudgetProgram, PublicKey, SystemProgram, type VersionedTransaction } from '@solana/web3.js';
import type { BanksClient, ProgramTestContext } from 'solana-bankrun';
import { ProgramError, type DoubleAccount, type ProgramDouble } from '../stake-pool-double.js';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The fee a cluster charges: 5000 lamports a signature plus the compute-unit limit × price. */
export function feeOf(tx: VersionedTransaction): number {
  let units = 200_000 * tx.message.compiledInstructions.length;
  let price = 0n;
  const keys = tx.message.staticAccountKeys;
  for (const ix of tx.message.compiledInstructions) {
    if (!keys[ix.programIdIndex]?.equals(ComputeBudgetProgram.programId)) continue;
    const d = Buffer.from(ix.data);
    if (d[0] === 2) units = d.readUInt32LE(1);
    if (d[0] === 3) price = d.readBigUInt64LE(1);
  }
  return 5000 * tx.message.header.numRequiredSignatures + Number((BigInt(units) * price + 999_999n) / 1_000_000n);
}

/** The addresses a v0 message loads from its lookup tables, writable ones first (as the runtime orders them). */
export async function lookupsOf(c: BanksClient, tx: VersionedTransaction): Promise<PublicKey[]> {
  const out: PublicKey[] = [];
  for (const l of tx.message.addressTableLookups) {
    const acc = await c.getAccount(l.accountKey);
    if (!acc) throw new Error(`lookup table ${l.accountKey.toBase58()} missing`);
    const addrs = Buffer.from(acc.data).subarray(56);
    const at = (i: number) => new PublicKey(addrs.subarray(i * 32, i * 32 + 32));
    out.push(...l.writableIndexes.map(at));
    for (const i of l.readonlyIndexes) out.push(at(i));
  }
  return out;
}

export interface DoubledResult {
  readonly err: string | null;
  readonly overlay: Map<string, DoubleAccount>;
  readonly keys: PublicKey[];
}

/**
 * Runs a transaction that calls a program double, in TypeScript, on an overlay of the chain's accounts
 * (signatures verified when committing): each instruction by its program's double (`doubles`, then the
 * real programs' doubles for inside such a transaction, `inDoubledTx`); compute-budget ones skipped. A
 * failed transaction still pays its fee. On commit the overlay is written back with setAccount.
 */
export async function runDoubled(context: ProgramTestContext, doubles: ReadonlyMap<string, ProgramDouble>, inDoubledTx: ReadonlyMap<string, ProgramDouble>, tx: VersionedTransaction, commit: boolean): Promise<DoubledResult> {
  const c = context.banksClient;
  const m = tx.message;
  const keys = [...m.staticAccountKeys, ...(await lookupsOf(c, tx))];
  const overlay = new Map<string, DoubleAccount>();
  for (const k of keys) {
    const a = await c.getAccount(k);
    overlay.set(k.toBase58(), a ? { lamports: BigInt(a.lamports), data: Buffer.from(a.data), owner: a.owner } : { lamports: 0n, data: Buffer.alloc(0), owner: SystemProgram.programId });
  }
  const store = { get: (k: PublicKey) => overlay.get(k.toBase58()), set: (k: PublicKey, a: DoubleAccount) => void overlay.set(k.toBase58(), a) };
  const h = m.header;
  const lookedUpWritable = m.addressTableLookups.reduce((n, x) => n + x.writableIndexes.length, 0);
  const signer = (i: number) => i < h.numRequiredSignatures;
  const writable = (i: number) =>
    i >= m.staticAccountKeys.length ? i < m.staticAccountKeys.length + lookedUpWritable : i < h.numRequiredSignatures ? i < h.numRequiredSignatures - h.numReadonlySignedAccounts : i < m.staticAccountKeys.length - h.numReadonlyUnsignedAccounts;
  if (commit) {
    const bytes = Buffer.from(m.serialize());
    for (let i = 0; i < h.numRequiredSignatures; i++) {
      const pub = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, (keys[i] as PublicKey).toBuffer()]), format: 'der', type: 'spki' });
      if (!verify(null, bytes, pub, Buffer.from(tx.signatures[i] as Uint8Array))) return { err: 'signature verification failed', overlay, keys };
    }
  }
  const payer = overlay.get((keys[0] as PublicKey).toBase58()) as DoubleAccount;
  payer.lamports -= BigInt(feeOf(tx));
  const afterFee = new Map([...overlay].map(([k, v]) => [k, { ...v, data: Buffer.from(v.data) }]));
  let err: string | null = null;
  try {
    for (const [n, ix] of m.compiledInstructions.entries()) {
      const program = keys[ix.programIdIndex] as PublicKey;
      const dix = { program, accounts: ix.accountKeyIndexes.map((i) => ({ key: keys[i] as PublicKey, signer: signer(i), writable: writable(i) })), data: Buffer.from(ix.data) };
      const d = doubles.get(program.toBase58()) ?? inDoubledTx.get(program.toBase58());
      try {
        if (d) d(dix, store);
        else if (program.equals(ComputeBudgetProgram.programId)) continue;
        else throw new ProgramError(`program ${program.toBase58()} cannot run in a doubled transaction`);
      } catch (e) {
        throw new ProgramError(`instruction ${n}: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    if (!(e instanceof ProgramError)) throw e;
    err = e.message;
    overlay.clear();
    for (const [k, v] of afterFee) overlay.set(k, v);
  }
  if (commit) for (const [k, v] of overlay) context.setAccount(new PublicKey(k), { lamports: Number(v.lamports), data: v.data, owner: v.owner, executable: false });
  return { err, overlay, keys };
}
