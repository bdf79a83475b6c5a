/**
 * Base58 (Bitcoin alphabet), as Solana spells public keys. Here so that validating a config's pubkeys does
 * not load @solana/web3.js: the config is read by every command, and the library is a large part of a
 * start (bench/cli-start.ts). test/pubkey-base58.test.ts holds it to web3.js's PublicKey.
 */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

/** The bytes a base58 string spells (each leading '1' a zero byte), or undefined for a character outside the alphabet. */
export function base58Decode(s: string): Uint8Array | undefined {
  const le: number[] = []; // base-256 digits, least significant first
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? (INDEX[c] as number) : -1;
    if (v < 0) return undefined;
    let carry = v;
    for (let j = 0; j < le.length; j++) {
      carry += (le[j] as number) * 58;
      le[j] = carry & 0xff;
      carry >>= 8;
    }
    for (; carry > 0; carry >>= 8) le.push(carry & 0xff);
  }
  let zeros = 0;
  while (zeros < s.length && s.charCodeAt(zeros) === 49) zeros++;
  const out = new Uint8Array(zeros + le.length);
  for (let i = 0; i < le.length; i++) out[out.length - 1 - i] = le[i] as number;
  return out;
}

export function base58Encode(bytes: Uint8Array): string {
  const le: number[] = []; // base-58 digits, least significant first
  for (const byte of bytes) {
    let carry = byte;
    for (let j = 0; j < le.length; j++) {
      carry += (le[j] as number) << 8;
      le[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    for (; carry > 0; carry = (carry / 58) | 0) le.push(carry % 58);
  }
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let out = '1'.repeat(zeros);
  for (let i = le.length - 1; i >= 0; i--) out += ALPHABET[le[i] as number];
  return out;
}
