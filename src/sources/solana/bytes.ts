import { PublicKey } from '@solana/web3.js';

/**
 * Little-endian readers for on-chain account bytes, shared by the layout parsers. Every read is bounds
 * checked and throws a LayoutError naming the field, so a truncated or foreign account can never be
 * read as zeros. Integers wider than 32 bits come back as bigint: a u64 of lamports passes 2^53 for
 * any pool above ~9M SOL (JitoSOL's total_lamports does), so a Number would silently round it.
 */
export class LayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayoutError';
  }
}

function need(data: Uint8Array, offset: number, size: number, field: string): void {
  if (offset < 0 || offset + size > data.length) {
    throw new LayoutError(`${field} at offset ${offset} (${size} bytes) is past the end of the ${data.length}-byte account`);
  }
}

function view(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

export function readU8(data: Uint8Array, offset: number, field: string): number {
  need(data, offset, 1, field);
  return data[offset] as number;
}

export function readU16(data: Uint8Array, offset: number, field: string): number {
  need(data, offset, 2, field);
  return view(data).getUint16(offset, true);
}

export function readU32(data: Uint8Array, offset: number, field: string): number {
  need(data, offset, 4, field);
  return view(data).getUint32(offset, true);
}

export function readU64(data: Uint8Array, offset: number, field: string): bigint {
  need(data, offset, 8, field);
  return view(data).getBigUint64(offset, true);
}

export function readU128(data: Uint8Array, offset: number, field: string): bigint {
  need(data, offset, 16, field);
  const v = view(data);
  return v.getBigUint64(offset, true) | (v.getBigUint64(offset + 8, true) << 64n);
}

export function readPubkey(data: Uint8Array, offset: number, field: string): PublicKey {
  need(data, offset, 32, field);
  return new PublicKey(data.subarray(offset, offset + 32));
}

export function bytesEqual(data: Uint8Array, offset: number, expected: Uint8Array): boolean {
  if (offset + expected.length > data.length) return false;
  for (let i = 0; i < expected.length; i++) if (data[offset + i] !== expected[i]) return false;
  return true;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A sequential Borsh reader, for layouts whose later offsets depend on Option/enum tags. */
export class Cursor {
  constructor(
    readonly data: Uint8Array,
    public offset: number,
  ) {}

  u8(field: string): number {
    const v = readU8(this.data, this.offset, field);
    this.offset += 1;
    return v;
  }

  u64(field: string): bigint {
    const v = readU64(this.data, this.offset, field);
    this.offset += 8;
    return v;
  }

  pubkey(field: string): PublicKey {
    const v = readPubkey(this.data, this.offset, field);
    this.offset += 32;
    return v;
  }

  /** Borsh Option<T>: 1-byte tag 0 = None, 1 = Some followed by T. */
  option<T>(field: string, read: () => T): T | null {
    const tag = this.u8(`${field} (Option tag)`);
    if (tag === 0) return null;
    if (tag === 1) return read();
    throw new LayoutError(`${field}: Option tag ${tag} at offset ${this.offset - 1}, expected 0 or 1`);
  }
}

const TWO_53 = 2n ** 53n;
const SHIFT = 80n;
const TWO_SHIFT = 2 ** 80;

/**
 * a / b as a double, correct to the last bit for any u64/u128 inputs. When both fit in 2^53 this is the
 * plain (correctly rounded) float division; otherwise the quotient is formed in bigint with 80 extra
 * bits and rounded once, instead of rounding each operand to 53 bits first.
 */
export function ratio(a: bigint, b: bigint): number {
  if (b <= 0n) throw new RangeError('ratio: denominator must be positive');
  if (a < 0n) return -ratio(-a, b);
  if (a < TWO_53 && b < TWO_53) return Number(a) / Number(b);
  return Number((a << SHIFT) / b) / TWO_SHIFT;
}

/** A raw integer amount with `decimals` decimals (lamports, token base units) as a whole-unit double. */
export function toWhole(raw: bigint, decimals: number): number {
  return ratio(raw, 10n ** BigInt(decimals));
}
