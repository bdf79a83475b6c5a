import { PublicKey, type AccountInfo } from '@solana/web3.js';
import type { BanksClient } from 'solana-bankrun';

export interface ProgramAccountsConfig {
  readonly filters?: ReadonlyArray<{ readonly dataSize?: number; readonly memcmp?: { readonly offset: number; readonly bytes: string; readonly encoding?: string } }>;
  readonly withContext?: boolean;
}

/**
 * getProgramAccounts for the loopback endpoint (svm-server/chain.ts): bankrun has no account index, so it scans
 * the addresses the endpoint has seen and applies the RPC's dataSize and memcmp filters. A memcmp is
 * given in base58 (the RPC's default) or base64; the tests' filters are 32-byte keys and short tags.
 */
export async function getProgramAccounts(c: BanksClient, known: ReadonlySet<string>, program: string, cfg: ProgramAccountsConfig | undefined, json: (a: AccountInfo<Uint8Array> | null) => unknown): Promise<unknown> {
  const owner = new PublicKey(program);
  const out: Array<{ pubkey: string; account: unknown }> = [];
  for (const k of known) {
    const a = await c.getAccount(new PublicKey(k));
    if (!a || !a.owner.equals(owner)) continue;
    const data = Buffer.from(a.data);
    const ok = (cfg?.filters ?? []).every((f) => {
      if (f.dataSize !== undefined) return data.length === f.dataSize;
      if (f.memcmp) {
        const want = f.memcmp.encoding === 'base64' ? Buffer.from(f.memcmp.bytes, 'base64') : base58Decode(f.memcmp.bytes);
        return data.subarray(f.memcmp.offset, f.memcmp.offset + want.length).equals(want);
      }
      return true;
    });
    if (ok) out.push({ pubkey: k, account: json({ lamports: a.lamports, data: a.data, owner: a.owner, executable: a.executable }) });
  }
  return cfg?.withContext ? { context: { slot: Number(await c.getSlot()) }, value: out } : out;
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Decode(s: string): Buffer {
  let n = 0n;
  for (const ch of s) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new Error(`memcmp bytes "${s}" are not base58`);
    n = n * 58n + BigInt(i);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const ch of s) {
    if (ch !== '1') break;
    bytes.unshift(0);
  }
  return Buffer.from(bytes);
}
