import { PublicKey, VersionedMessage, type AddressLookupTableAccount } from '@solana/web3.js';

/**
 * Decodes a compiled v0 (or legacy) message the way the runtime will read it: static keys, then the
 * lookup tables' writable and read-only entries in order, each instruction's program and accounts by
 * index, signer and writable flags from the header and the tables. The guard checks this, never the
 * builder's instruction objects.
 */
export interface DecodedAccount {
  readonly key: string;
  readonly signer: boolean;
  readonly writable: boolean;
}

export interface DecodedInstruction {
  readonly index: number;
  readonly program: string;
  readonly accounts: readonly DecodedAccount[];
  readonly data: Buffer;
}

export interface DecodedMessage {
  readonly feePayer: string;
  readonly instructions: readonly DecodedInstruction[];
  readonly recentBlockhash: string;
}

export class MessageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageDecodeError';
  }
}

export function decodeMessage(bytes: Uint8Array, tables: readonly AddressLookupTableAccount[]): DecodedMessage {
  let msg: VersionedMessage;
  try {
    msg = VersionedMessage.deserialize(bytes);
  } catch (e) {
    throw new MessageDecodeError(`not a Solana message: ${(e as Error).message}`);
  }
  const lookups = msg.addressTableLookups;
  for (const l of lookups) if (!tables.some((t) => t.key.equals(l.accountKey))) throw new MessageDecodeError(`lookup table ${l.accountKey.toBase58()} was not resolved`);
  const keys: PublicKey[] = [...msg.staticAccountKeys];
  const writableLut: PublicKey[] = [];
  const readonlyLut: PublicKey[] = [];
  for (const l of lookups) {
    const t = tables.find((x) => x.key.equals(l.accountKey)) as AddressLookupTableAccount;
    const at = (i: number) => {
      const k = t.state.addresses[i];
      if (!k) throw new MessageDecodeError(`lookup table ${t.key.toBase58()} has no entry ${i}`);
      return k;
    };
    writableLut.push(...l.writableIndexes.map(at));
    readonlyLut.push(...l.readonlyIndexes.map(at));
  }
  const nStatic = keys.length;
  const all = [...keys, ...writableLut, ...readonlyLut];
  const h = msg.header;
  const signer = (i: number) => i < h.numRequiredSignatures;
  const writable = (i: number) => {
    if (i >= nStatic) return i < nStatic + writableLut.length;
    if (i < h.numRequiredSignatures) return i < h.numRequiredSignatures - h.numReadonlySignedAccounts;
    return i < nStatic - h.numReadonlyUnsignedAccounts;
  };
  const account = (i: number): DecodedAccount => {
    const k = all[i];
    if (!k) throw new MessageDecodeError(`account index ${i} is out of range (${all.length} keys)`);
    return { key: k.toBase58(), signer: signer(i), writable: writable(i) };
  };
  const instructions = msg.compiledInstructions.map((ix, index) => ({
    index,
    program: account(ix.programIdIndex).key,
    accounts: ix.accountKeyIndexes.map(account),
    data: Buffer.from(ix.data),
  }));
  const payer = all[0];
  if (!payer) throw new MessageDecodeError('the message has no fee payer');
  return { feePayer: payer.toBase58(), instructions, recentBlockhash: msg.recentBlockhash };
}
