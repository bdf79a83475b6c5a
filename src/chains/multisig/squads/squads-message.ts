import { PublicKey, TransactionInstruction, type MessageV0 } from '@solana/web3.js';

/**
 * Squads v4's compact transaction message (vault_transaction_create.rs, TransactionMessage), written and
 * read here from the layout itself, independently of @sqds/multisig, so the proposer can check what the
 * SDK put into the instruction it builds:
 *
 *   num_signers u8 · num_writable_signers u8 · num_writable_non_signers u8 ·
 *   account_keys SmallVec<u8, Pubkey> ·
 *   instructions SmallVec<u8, { program_id_index u8, account_indexes SmallVec<u8, u8>, data SmallVec<u16, u8> }> ·
 *   address_table_lookups SmallVec<u8, { account_key Pubkey, writable_indexes SmallVec<u8, u8>, readonly_indexes SmallVec<u8, u8> }>
 *
 * (SmallVec<L, T>: an L-sized little-endian length, then the items.)
 */

export interface SquadsMessage {
  readonly numSigners: number;
  readonly numWritableSigners: number;
  readonly numWritableNonSigners: number;
  readonly accountKeys: readonly PublicKey[];
  readonly instructions: ReadonlyArray<{ readonly programIdIndex: number; readonly accountIndexes: readonly number[]; readonly data: Uint8Array }>;
  readonly addressTableLookups: ReadonlyArray<{ readonly accountKey: PublicKey; readonly writableIndexes: readonly number[]; readonly readonlyIndexes: readonly number[] }>;
}

export class SquadsMessageError extends Error {}

function u8(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new SquadsMessageError(`${what}: ${n} does not fit a u8`);
  return n;
}

/** The compact form of a v0 message compiled with the vault PDA as payer. */
export function fromV0Message(m: MessageV0): SquadsMessage {
  const h = m.header;
  return {
    numSigners: h.numRequiredSignatures,
    numWritableSigners: h.numRequiredSignatures - h.numReadonlySignedAccounts,
    numWritableNonSigners: m.staticAccountKeys.length - h.numRequiredSignatures - h.numReadonlyUnsignedAccounts,
    accountKeys: m.staticAccountKeys,
    instructions: m.compiledInstructions.map((i) => ({ programIdIndex: i.programIdIndex, accountIndexes: [...i.accountKeyIndexes], data: Uint8Array.from(i.data) })),
    addressTableLookups: m.addressTableLookups.map((l) => ({ accountKey: l.accountKey, writableIndexes: [...l.writableIndexes], readonlyIndexes: [...l.readonlyIndexes] })),
  };
}

export function encodeSquadsMessage(m: SquadsMessage): Uint8Array {
  const out: number[] = [u8(m.numSigners, 'num_signers'), u8(m.numWritableSigners, 'num_writable_signers'), u8(m.numWritableNonSigners, 'num_writable_non_signers')];
  out.push(u8(m.accountKeys.length, 'account_keys length'), ...m.accountKeys.flatMap((k) => [...k.toBytes()]));
  out.push(u8(m.instructions.length, 'instructions length'));
  for (const [n, i] of m.instructions.entries()) {
    out.push(u8(i.programIdIndex, `instruction ${n} program_id_index`), u8(i.accountIndexes.length, `instruction ${n} accounts length`), ...i.accountIndexes.map((x) => u8(x, `instruction ${n} account index`)));
    if (i.data.length > 0xffff) throw new SquadsMessageError(`instruction ${n}: ${i.data.length} bytes of data do not fit a u16 length`);
    out.push(i.data.length & 0xff, i.data.length >> 8, ...i.data);
  }
  out.push(u8(m.addressTableLookups.length, 'address_table_lookups length'));
  for (const l of m.addressTableLookups) out.push(...l.accountKey.toBytes(), u8(l.writableIndexes.length, 'writable_indexes'), ...l.writableIndexes, u8(l.readonlyIndexes.length, 'readonly_indexes'), ...l.readonlyIndexes);
  return Uint8Array.from(out);
}

export function decodeSquadsMessage(bytes: Uint8Array): SquadsMessage {
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length) throw new SquadsMessageError(`Squads message truncated reading ${what} at byte ${at} of ${bytes.length}`);
  };
  const byte = (what: string) => {
    need(1, what);
    return bytes[at++] as number;
  };
  const key = (what: string) => {
    need(32, what);
    const k = new PublicKey(bytes.subarray(at, at + 32));
    at += 32;
    return k;
  };
  const numSigners = byte('num_signers');
  const numWritableSigners = byte('num_writable_signers');
  const numWritableNonSigners = byte('num_writable_non_signers');
  const accountKeys = Array.from({ length: byte('account_keys length') }, (_, i) => key(`account key ${i}`));
  const instructions = Array.from({ length: byte('instructions length') }, (_, n) => {
    const programIdIndex = byte(`instruction ${n} program_id_index`);
    const accountIndexes = Array.from({ length: byte(`instruction ${n} accounts length`) }, () => byte(`instruction ${n} account index`));
    need(2, `instruction ${n} data length`);
    const len = (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
    at += 2;
    need(len, `instruction ${n} data`);
    const data = bytes.slice(at, at + len);
    at += len;
    return { programIdIndex, accountIndexes, data };
  });
  const addressTableLookups = Array.from({ length: byte('address_table_lookups length') }, (_, n) => ({
    accountKey: key(`lookup ${n} table`),
    writableIndexes: Array.from({ length: byte(`lookup ${n} writable length`) }, () => byte('writable index')),
    readonlyIndexes: Array.from({ length: byte(`lookup ${n} readonly length`) }, () => byte('readonly index')),
  }));
  if (at !== bytes.length) throw new SquadsMessageError(`Squads message has ${bytes.length - at} trailing bytes`);
  if (numWritableSigners > numSigners || numSigners + numWritableNonSigners > accountKeys.length) throw new SquadsMessageError('Squads message header counts exceed its account keys');
  return { numSigners, numWritableSigners, numWritableNonSigners, accountKeys, instructions, addressTableLookups };
}

/** The instructions a compact message (static keys only) will execute, with each account's signer/writable flags. */
export function squadsInstructions(m: SquadsMessage): TransactionInstruction[] {
  if (m.addressTableLookups.length > 0) throw new SquadsMessageError('the message uses address lookup tables; expand it with the tables');
  const n = m.accountKeys.length;
  const signer = (i: number) => i < m.numSigners;
  const writable = (i: number) => (i < m.numSigners ? i < m.numWritableSigners : i < m.numSigners + m.numWritableNonSigners);
  return m.instructions.map((ix, k) => {
    const at = (i: number) => {
      if (i >= n) throw new SquadsMessageError(`instruction ${k} names account ${i} of ${n}`);
      return m.accountKeys[i] as PublicKey;
    };
    return new TransactionInstruction({ programId: at(ix.programIdIndex), keys: ix.accountIndexes.map((i) => ({ pubkey: at(i), isSigner: signer(i), isWritable: writable(i) })), data: Buffer.from(ix.data) });
  });
}
