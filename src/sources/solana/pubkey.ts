import { z } from 'zod';
import { base58Decode, base58Encode } from './base58.js';

/** What `new PublicKey(s).toBase58() === s` says, without loading web3.js: 32 bytes, spelled canonically. */
export function isPubkey(s: string): boolean {
  const bytes = base58Decode(s);
  return bytes !== undefined && bytes.length === 32 && base58Encode(bytes) === s;
}

/** A base58 Solana public key, in its canonical spelling. */
export const pubkey = z.string().refine(isPubkey, 'a base58-encoded 32-byte public key');

/** Token decimals as SPL allows them. */
export const decimals = z.number().int().min(0).max(19);
