import { createHash } from 'node:crypto';
import { PublicKey, SystemProgram } from '@solana/web3.js';
import type { ProgramDouble } from './stake-pool-double.js';
import { moveLamports, need } from './double-kit.js';

/**
 * The System program inside a doubled transaction (svm-server/doubled-run.ts runs those wholly in TypeScript): Transfer
 * (2) and CreateAccountWithSeed (3), bincode as system_instruction.rs encodes them (u32 tag; seed as u64
 * length + bytes). A builder's ticket or split-stake account is created this way before the program
 * double fills it.
 */
export const systemDouble: ProgramDouble = (ix, store) => {
  need(ix.data.length >= 4, 'system: instruction too short');
  const tag = ix.data.readUInt32LE(0);
  if (tag === 2) {
    need(ix.data.length === 12, 'system Transfer: invalid data');
    const [from, to] = ix.accounts;
    need(from?.signer && from.writable && to?.writable, 'system Transfer: from must sign, both writable');
    moveLamports(store, from.key, to.key, ix.data.readBigUInt64LE(4));
    return;
  }
  need(tag === 3, `system double: instruction ${tag} not implemented`);
  const base = new PublicKey(ix.data.subarray(4, 36));
  const len = Number(ix.data.readBigUInt64LE(36));
  const seed = ix.data.subarray(44, 44 + len);
  const lamports = ix.data.readBigUInt64LE(44 + len);
  const space = Number(ix.data.readBigUInt64LE(52 + len));
  const owner = new PublicKey(ix.data.subarray(60 + len, 92 + len));
  need(ix.data.length === 92 + len, 'system CreateAccountWithSeed: invalid data');
  const [from, to, baseAcc] = ix.accounts;
  need(from?.signer && from.writable && to?.writable, 'system CreateAccountWithSeed: funder must sign, new account writable');
  need(base.equals(from.key) || (baseAcc?.key.equals(base) && baseAcc.signer), 'system CreateAccountWithSeed: base must sign');
  const address = new PublicKey(createHash('sha256').update(Buffer.concat([base.toBuffer(), seed, owner.toBuffer()])).digest());
  need(address.equals(to.key), 'system CreateAccountWithSeed: address does not match seed');
  const existing = store.get(to.key);
  need(!existing || (existing.lamports === 0n && existing.data.length === 0 && existing.owner.equals(SystemProgram.programId)), 'system: account already in use');
  moveLamports(store, from.key, to.key, lamports);
  store.set(to.key, { lamports: store.get(to.key)!.lamports, data: Buffer.alloc(space), owner });
};
