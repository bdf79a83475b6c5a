import { readFileSync, statSync } from 'node:fs';
import { Keypair } from '@solana/web3.js';
import type { Logger } from 'pino';
import { KeeperError } from '../../errors.js';

/**
 * The vault's Solana key, from a file or an environment variable, in solana-keygen's format (a JSON
 * array of the 64 secret-key bytes). The key itself is never logged, journaled or put in an error.
 */
export function loadSolanaKey(spec: { file: string } | { env: string }, o: { env?: NodeJS.ProcessEnv | undefined; log?: Logger } = {}): { keypair: Keypair; source: string } {
  let text: string | undefined;
  let source: string;
  if ('file' in spec) {
    source = `file ${spec.file}`;
    try {
      if ((statSync(spec.file).mode & 0o077) !== 0) o.log?.warn({ file: spec.file }, 'the Solana key file can be read by other users');
      text = readFileSync(spec.file, 'utf8');
    } catch (e) {
      throw new KeeperError(`cannot read the Solana key from ${source}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else {
    source = `environment variable ${spec.env}`;
    text = (o.env ?? process.env)[spec.env];
    if (!text) throw new KeeperError(`the Solana key ${source} is not set`);
  }
  let bytes: unknown;
  try {
    bytes = JSON.parse(text);
  } catch {
    throw new KeeperError(`the Solana key from ${source} is not a JSON array of 64 bytes (solana-keygen format)`);
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
    throw new KeeperError(`the Solana key from ${source} is not a JSON array of 64 bytes (solana-keygen format)`);
  }
  try {
    return { keypair: Keypair.fromSecretKey(Uint8Array.from(bytes as number[])), source };
  } catch {
    throw new KeeperError(`the Solana key from ${source} is not a valid ed25519 secret key`);
  }
}
