import { PublicKey } from '@solana/web3.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base58Decode, base58Encode } from '../src/sources/solana/base58.js';
import { isPubkey } from '../src/sources/solana/pubkey.js';

/** The config's pubkey check says what web3.js's PublicKey says, without loading web3.js. */
const web3Says = (s: string) => {
  try {
    return new PublicKey(s).toBase58() === s;
  } catch {
    return false;
  }
};
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

describe('base58 pubkeys without web3.js', () => {
  it('every 32-byte key round-trips and is accepted, as PublicKey spells it (leading zero bytes included)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(8), (raw, zeros) => {
        const bytes = Uint8Array.from(raw);
        bytes.fill(0, 0, Math.min(zeros, 32));
        const s = new PublicKey(bytes).toBase58();
        expect(base58Encode(bytes)).toBe(s);
        expect([...(base58Decode(s) as Uint8Array)]).toEqual([...bytes]);
        expect(isPubkey(s)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with PublicKey on strings that are not keys: other lengths, foreign characters, non-canonical spellings', () => {
    const b58 = fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 0, maxLength: 50 });
    const mixed = fc.string({ unit: fc.constantFrom(...ALPHABET, '0', 'O', 'I', 'l', ' ', 'é', '+'), minLength: 30, maxLength: 46 });
    fc.assert(
      fc.property(fc.oneof(b58, mixed), (s) => {
        expect(isPubkey(s), s).toBe(web3Says(s));
      }),
      { numRuns: 2000 },
    );
    for (const s of ['', '1'.repeat(32), '1'.repeat(33), 'So11111111111111111111111111111111111111112', 'SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy', 'SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuH0']) {
      expect(isPubkey(s), s).toBe(web3Says(s));
    }
  });
});
