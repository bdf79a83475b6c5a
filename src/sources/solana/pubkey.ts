import { PublicKey } from '@solana/web3.js';
import { z } from 'zod';

function isPubkey(s: string): boolean {
  try {
    return new PublicKey(s).toBase58() === s;
  } catch {
    return false;
  }
}

/** A base58 Solana public key, in its canonical spelling. */
export const pubkey = z.string().refine(isPubkey, 'a base58-encoded 32-byte public key');

/** Token decimals as SPL allows them. */
export const decimals = z.number().int().min(0).max(19);
